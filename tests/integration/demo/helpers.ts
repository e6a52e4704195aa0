// Helpers of the tests of the demo team and the example configs.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../../helpers/cli.js';

export const EXAMPLES = join(ROOT, 'examples');
export const TOOLS = ['claude', 'codex', 'aider', 'ollama'] as const;

/** A directory of stub executables named after the agent tools (they exit 0). */
export function stubTools(dir: string, script = 'exit 0'): string {
  const bin = join(dir, 'stub-bin');
  mkdirSync(bin, { recursive: true });
  for (const t of TOOLS) {
    writeFileSync(join(bin, t), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, t), 0o755);
  }
  return bin;
}

/** The text between <!-- NAME:begin --> and <!-- NAME:end --> in examples/PROMPT.md. */
export function promptPart(name: string): string {
  const md = readFileSync(join(EXAMPLES, 'PROMPT.md'), 'utf8');
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(md);
  if (!m) throw new Error(`examples/PROMPT.md has no ${name} part`);
  return m[1]!;
}

/**
 * A clean environment for `agor up` (as from a fresh login: PATH and HOME, nothing of the
 * test runner's), plus `extra`. Meant for RunOptions.env, which adds to process.env: every
 * other variable is listed as undefined, which removes it. node stays on PATH.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = Object.fromEntries(Object.keys(process.env).map((k) => [k, undefined]));
  const path = process.env.PATH ?? '/usr/bin:/bin';
  env.PATH = path.split(delimiter).includes(dirname(process.execPath)) ? path : `${dirname(process.execPath)}${delimiter}${path}`;
  env.HOME = process.env.HOME ?? '/';
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

/** What the example configs give their tools from the home directory (their sandbox: blocks). */
const HOME_DIRS = ['.claude', '.codex', '.aider'];
const HOME_FILES = ['.claude.json', '.gitconfig'];

/**
 * A scratch home holding the directories and files the examples' sandboxes name, so the
 * configs load and run as on a machine where the tools are set up, without the real home.
 */
export function scratchHome(dir: string): string {
  const home = join(dir, 'home');
  for (const d of HOME_DIRS) mkdirSync(join(home, d), { recursive: true });
  for (const f of HOME_FILES) writeFileSync(join(home, f), '');
  return home;
}

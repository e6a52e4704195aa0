import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/supervisor/config.js';
import { TEMPLATES, templateNamed } from '../../../src/supervisor/templates/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agor-templates-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('agor init templates', () => {
  it('offers demo, claude-code, codex, aider and ollama, demo first', () => {
    expect(TEMPLATES.map((t) => t.name)).toEqual(['demo', 'claude-code', 'codex', 'aider', 'ollama']);
    for (const t of TEMPLATES) expect(t.files[0]!.path).toBe('agor.yaml');
  });

  it.each(TEMPLATES.filter((t) => t.example).map((t) => [t.name, t.example!]))(
    'the %s template is what examples/%s holds, file for file (npm run examples rewrites them)',
    (name, example) => {
      for (const f of templateNamed(name)!.files) {
        const path = join(ROOT, 'examples', example, f.path);
        expect(readFileSync(path, 'utf8'), `${path} differs from the template: run npm run examples`).toBe(f.text);
        expect(statSync(path).mode & 0o777, `${path}'s mode`).toBe(f.mode);
      }
    },
  );

  it.each(TEMPLATES.map((t) => [t.name]))('the %s template parses as agor up reads it, once its tools are on PATH', (name) => {
    // Stand-ins, for config validation only: agor.yaml refuses a command that is not on PATH.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of ['claude', 'codex', 'aider', 'ollama']) {
      writeFileSync(join(bin, tool), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, tool), 0o755);
    }
    vi.stubEnv('PATH', `${bin}${delimiter}${process.env.PATH}`);
    const t = templateNamed(name)!;
    for (const f of t.files) writeFileSync(join(dir, f.path), f.text, { mode: f.mode });
    const c = loadConfig(join(dir, 'agor.yaml'));
    expect(c.agents.length).toBeGreaterThan(0);
    for (const a of c.agents) expect(a.command.join(' ')).not.toContain('{prompt}');
  });

  it('names the API key each tool expects, commented, as a secrets: line per agent', () => {
    const keys: Record<string, string> = { 'claude-code': 'ANTHROPIC_API_KEY', codex: 'OPENAI_API_KEY', aider: 'ANTHROPIC_API_KEY' };
    for (const [name, key] of Object.entries(keys)) {
      const text = templateNamed(name)!.files[0]!.text;
      expect(text).toContain(`agor secret set ${key}`);
      expect(text).toMatch(new RegExp(`^ {4}# secrets: \\[${key}\\]`, 'm'));
      expect(text).not.toMatch(/^\s*secrets:/m);
    }
  });

  it('passes each tool the flags of its headless mode', () => {
    const yaml = (n: string) => templateNamed(n)!.files[0]!.text;
    expect(yaml('claude-code')).toMatch(/- -p\n[\s\S]*- --output-format\n\s+- stream-json\n\s+- --verbose/);
    expect(yaml('codex')).toContain('codex exec --skip-git-repo-check');
    expect(yaml('codex')).toContain('--json -');
    expect(templateNamed('aider')!.files[1]!.text).toContain('aider --yes-always --message "$message"');
    expect(templateNamed('ollama')!.files[1]!.text).toContain('ollama run "$model"');
  });
});

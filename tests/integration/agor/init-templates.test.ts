import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, json, run, tempDb } from '../../helpers/cli.js';

let t: ReturnType<typeof tempDb>;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const agor = (args: string[]) => run('agor', args, { db: t.db, cwd: t.dir });

describe('agor init --template', () => {
  it('--list names every template with one line each', () => {
    const r = agor(['init', '--list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['demo', 'claude-code', 'codex', 'aider', 'ollama']);
    const rows = json<{ name: string; summary: string; files: string[] }[]>(agor(['init', '--list', '--json']));
    expect(rows.find((x) => x.name === 'aider')?.files).toEqual(['agor.yaml', 'aider-agent.sh']);
  });

  it('writes the same agor.yaml and wrapper as examples/ holds, the wrapper executable, and says what the tool needs', () => {
    const r = agor(['init', '--template', 'ollama']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(t.dir, 'agor.yaml')}\nwrote ${join(t.dir, 'ollama-agent.sh')}\nnext: ollama must be on PATH`);
    expect(readFileSync(join(t.dir, 'agor.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'examples', 'ollama', 'agor.yaml'), 'utf8'));
    expect(readFileSync(join(t.dir, 'ollama-agent.sh'), 'utf8')).toBe(readFileSync(join(ROOT, 'examples', 'ollama', 'ollama-agent.sh'), 'utf8'));
    expect(statSync(join(t.dir, 'ollama-agent.sh')).mode & 0o111).not.toBe(0);
  });

  it('puts the files beside the agor.yaml that -f names', () => {
    const r = agor(['init', '-t', 'codex', '-f', join(t.dir, 'team.yaml'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toEqual({ file: join(t.dir, 'team.yaml'), template: 'codex', files: [join(t.dir, 'team.yaml')] });
    expect(readFileSync(join(t.dir, 'team.yaml'), 'utf8')).toContain('codex exec');
  });

  it('refuses an unknown template, and any file that exists unless --force, writing nothing', () => {
    const bad = agor(['init', '--template', 'gpt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("no template 'gpt'");
    expect(bad.stderr).toContain('demo, claude-code, codex, aider, ollama');
    expect(existsSync(join(t.dir, 'agor.yaml'))).toBe(false);
    expect(agor(['init', '-t', 'aider']).code).toBe(0);
    const again = agor(['init', '-t', 'aider']);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(`${join(t.dir, 'agor.yaml')}, ${join(t.dir, 'aider-agent.sh')} already exist`);
    expect(agor(['init', '-t', 'aider', '--force']).code).toBe(0);
  });
});

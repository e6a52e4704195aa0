import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, btmsg, json, run, seedTeam, tempDb } from '../../helpers/cli.js';

let t: ReturnType<typeof tempDb>;
let bin: string;
beforeEach(() => {
  t = tempDb();
  // The scripts call the binaries by name, as an installed agor is called.
  bin = join(t.dir, 'bin');
  mkdirSync(bin);
  for (const b of ['agor', 'btmsg', 'bttask']) symlinkSync(join(ROOT, 'dist', `${b}.cjs`), join(bin, b));
});
afterEach(() => t.cleanup());

const shellOn = (name: string): string | undefined =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, name))
    .find((p) => existsSync(p));

/**
 * Sources `binary completion bash` in a real bash, sets COMP_WORDS, COMP_CWORD, COMP_LINE
 * and COMP_POINT as readline would for `line` (the cursor at its end), calls the function
 * the script registered with `complete -F`, and returns COMPREPLY.
 */
function bashComplete(binary: string, line: string, env: Record<string, string> = {}, cwd = t.dir): string[] {
  const words = line.split(' ');
  const script = [
    `source <(${binary} completion bash) || exit 9`,
    `fn=$(complete -p ${binary} | sed -E 's/.* -F ([^ ]+) .*/\\1/')`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    'COMP_POINT=${#COMP_LINE}',
    `"$fn" ${binary} '${words.at(-1)}' '${words.at(-2)}'`,
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    encoding: 'utf8',
    cwd,
    env: { PATH: `${bin}${delimiter}${process.env.PATH}`, HOME: t.dir, AGOR_DB: t.db, NO_COLOR: '1', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it.each(['agor', 'btmsg', 'bttask'])('%s completion bash prints a script that registers a completion function', (b) => {
    const r = run(b, ['completion', 'bash']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^complete .* ${b}$`, 'm'));
  });

  it('completes agor verbs, options, and agent ids from the database and from agor.yaml', () => {
    seedTeam(t.db);
    expect(bashComplete('agor', 'agor wa')).toEqual(['wake']);
    expect(bashComplete('agor', 'agor ')).toEqual(expect.arrayContaining(['up', 'ps', 'wake', 'logs', 'service', 'completion']));
    expect(bashComplete('agor', 'agor wake ')).toEqual(['alice', 'bob', 'boss']);
    expect(bashComplete('agor', 'agor logs b')).toEqual(['bob', 'boss']);
    expect(bashComplete('agor', 'agor up --he')).toEqual(['--headless', '--help']);
    expect(bashComplete('agor', 'agor service ')).toEqual(['install', 'uninstall']);
    // Agents of agor.yaml that no supervisor has registered yet.
    writeFileSync(join(t.dir, 'agor.yaml'), 'group: g\nagents:\n  newcomer:\n    command: [sh, -c, "true"]\n');
    expect(bashComplete('agor', 'agor start n')).toEqual(['newcomer']);
  });

  it('completes task ids for bttask and channel names and agents for btmsg', () => {
    seedTeam(t.db);
    const task = json<{ id: string }>(run('bttask', ['add', 'Write the docs', '--json'], { db: t.db }));
    expect(bashComplete('bttask', 'bttask show ')).toEqual([task.id.slice(0, 8)]);
    expect(bashComplete('bttask', `bttask status ${task.id.slice(0, 8)} re`)).toEqual(['review']);
    expect(bashComplete('bttask', 'bttask assign x ')).toEqual(['admin', 'alice', 'bob', 'boss']);
    expect(btmsg(['channel', 'create', 'release-notes'], { db: t.db }).code).toBe(0);
    expect(bashComplete('btmsg', 'btmsg channel send re')).toEqual(['release-notes']);
    expect(bashComplete('btmsg', 'btmsg send al')).toEqual(['alice']);
  });

  it('offers just the verbs, prints nothing on stderr and creates no file when there is no database', () => {
    const missing = join(t.dir, 'nowhere', 'agor.db');
    expect(bashComplete('agor', 'agor wake ', { AGOR_DB: missing })).toEqual([]);
    expect(bashComplete('bttask', 'bttask cl', { AGOR_DB: missing })).toEqual(['claim']);
    expect(existsSync(join(t.dir, 'nowhere'))).toBe(false);
    expect(existsSync(missing)).toBe(false);
  });

  it('takes the shell from $SHELL when none is given, and refuses one it does not know', () => {
    expect(run('agor', ['completion'], { env: { SHELL: '/usr/bin/zsh' } }).stdout).toMatch(/^#compdef agor/);
    expect(run('agor', ['completion'], { env: { SHELL: '/usr/bin/fish' } }).stdout).toContain('complete -c agor');
    expect(run('agor', ['completion'], { env: { SHELL: '/bin/sh' } }).stdout).toContain('complete -o bashdefault -o default -F _agor_complete agor');
    const bad = run('agor', ['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("no completion for shell 'tcsh'");
  });

  const shellEnv = () => ({ PATH: `${bin}${delimiter}${process.env.PATH}`, HOME: t.dir, AGOR_DB: t.db, NO_COLOR: '1' });

  const zsh = shellOn('zsh');
  it.skipIf(!zsh)('in zsh the script completes agent ids, and leaves --db to file completion (skipped where zsh is not installed)', () => {
    seedTeam(t.db);
    // compadd and _files exist only inside zsh's completion system: stand-ins print what they get.
    const script = [
      'compdef() { :; }',
      'source <(agor completion zsh) || exit 9',
      'compadd() { print -l -- "${@[3,-1]}"; }',
      '_files() { print FILES; }',
      'words=(agor wake al); CURRENT=3; _agor',
      'words=(agor --db ""); CURRENT=3; _agor',
    ].join('\n');
    const r = spawnSync(zsh!, ['-f', '-c', script], { encoding: 'utf8', cwd: t.dir, env: shellEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('alice\nFILES\n');
  });

  const fish = shellOn('fish');
  it.skipIf(!fish)('in fish the script completes verbs, agent ids and options (skipped where fish is not installed)', () => {
    seedTeam(t.db);
    const script = ['agor completion fish | source', 'complete -C"agor wa"', 'complete -C"agor wake "', 'complete -C"agor up --he"'].join('\n');
    const r = spawnSync(fish!, ['--no-config', '-c', script], { encoding: 'utf8', cwd: t.dir, env: shellEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['wake', 'alice', 'bob', 'boss', '--headless', '--help']);
  });
});

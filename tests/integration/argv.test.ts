import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, type RunResult, btmsg, run, seedTeam, sql, tempDb } from '../helpers/cli.js';

let t: ReturnType<typeof tempDb>;
beforeEach(() => {
  t = tempDb();
  seedTeam(t.db);
});
afterEach(() => t.cleanup());

const rows = (table: 'messages' | 'tasks') => sql(t.db, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);

/**
 * Runs a built binary with one argument made of raw bytes: node's spawn turns a Buffer
 * argument into a string (and bad bytes into U+FFFD), so sh's printf makes the bytes.
 */
function withRawArg(bin: string, before: string[], octal: string, after: string[] = []): RunResult {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AGOR_DB: t.db, BTMSG_AGENT_ID: 'alice' };
  delete env.FORCE_COLOR;
  const script = 'exec "$0" "$@" "$(printf "$RAW")" $AFTER';
  const r = spawnSync('/bin/sh', ['-c', script, process.execPath, join(ROOT, 'dist', `${bin}.cjs`), ...before], {
    env: { ...env, RAW: octal, AFTER: after.join(' ') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('arguments that are not valid UTF-8', () => {
  it('are refused with exit 2 and a message naming the argument, and nothing is stored', () => {
    const r = withRawArg('btmsg', ['send', 'bob'], 'caf\\351 ok');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^btmsg: argument 3 is not valid UTF-8: 'caf\\xe9 ok'\n {2}hint: .*UTF-8/);
    expect(rows('messages')).toBe(0);
  });

  it('are refused as a JSON error under --json', () => {
    const r = withRawArg('btmsg', ['send', '--json', 'bob'], '\\377\\376');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'usage', exit: 2, message: "argument 4 is not valid UTF-8: '\\xff\\xfe'" } });
    expect(rows('messages')).toBe(0);
  });

  it('are refused by bttask and agor too', () => {
    const task = withRawArg('bttask', ['add'], 'Fix the caf\\351 page');
    expect(task.code).toBe(2);
    expect(task.stderr).toMatch(/^bttask: argument 2 is not valid UTF-8/);
    expect(rows('tasks')).toBe(0);
    const wake = withRawArg('agor', ['wake'], 'w\\351');
    expect(wake.code).toBe(2);
    expect(wake.stderr).toMatch(/^agor: argument 2 is not valid UTF-8/);
  });

  it('leave valid text alone, a typed U+FFFD replacement character included', () => {
    const r = btmsg(['send', 'bob', 'caf\u00e9 \uFFFD', '--json'], { db: t.db, as: 'alice' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).content).toBe('caf\u00e9 \uFFFD');
  });
});

describe('a word that starts with one dash', () => {
  it('is an unknown option with exit 2, not a help page with exit 0', () => {
    for (const [bin, args] of [
      ['btmsg', ['search', '-hello']],
      ['btmsg', ['inbox', '-hello']],
      ['bttask', ['list', '-hello']],
      ['bttask', ['claim', '-zz']],
      ['agor', ['ps', '-hello']],
      ['agor', ['schedule', 'list', '-hello']],
    ] as const) {
      const r = run(bin, [...args], { db: t.db, as: 'alice' });
      expect(r.code, `${bin} ${args.join(' ')}: ${r.stdout}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${bin}: unknown option '${args[args.length - 1]}'`);
    }
  });

  it('stores nothing when it was meant as message or task text, and says how to pass it', () => {
    const r = btmsg(['send', 'bob', '-hello', 'there'], { db: t.db, as: 'alice' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hint: .*goes after --/);
    expect(rows('messages')).toBe(0);
    const task = run('bttask', ['add', '-hello'], { db: t.db, as: 'boss' });
    expect(task.code).toBe(2);
    expect(rows('tasks')).toBe(0);
  });

  it('is text after --, and a negative number is text anywhere', () => {
    const dash = btmsg(['send', 'bob', '--json', '--', '-hello', 'there'], { db: t.db, as: 'alice' });
    expect(dash.code, dash.stderr).toBe(0);
    expect(JSON.parse(dash.stdout).content).toBe('-hello there');
    const negative = btmsg(['send', 'bob', '-5', 'degrees', '--json'], { db: t.db, as: 'alice' });
    expect(negative.code, negative.stderr).toBe(0);
    expect(JSON.parse(negative.stdout).content).toBe('-5 degrees');
  });

  it("still works as a group of the verb's own one-letter options", () => {
    btmsg(['send', 'bob', 'one'], { db: t.db, as: 'alice' });
    const r = btmsg(['inbox', '-an', '5', '--json'], { db: t.db, as: 'bob' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });
});

describe('the word help', () => {
  it('is message text when it is a word of the message, not a request for the help page', () => {
    const r = btmsg(['send', 'bob', 'help', '--json'], { db: t.db, as: 'alice' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).content).toBe('help');
  });
});

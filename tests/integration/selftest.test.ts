import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type RunResult, btmsg, json, runAsync, settle, tempDb } from '../helpers/cli.js';
import { alive, processesMentioning } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

interface Report {
  checks: { name: string; verdict: 'pass' | 'fail' | 'skip'; figures: Record<string, number | string>; detail: string }[];
  ok: boolean;
}

const CHECKS = ['claims', 'races', 'messages', 'lease', 'sandbox'];
/** Small figures, for the tests that look at the shape rather than the load. */
const SMALL = ['--claimers', '4', '--tasks', '30', '--races', '3', '--senders', '3', '--messages', '3'];
/** The test-only switch, with the exact value bttask checks. */
const UNSAFE = { AGOR_TEST_UNSAFE_CLAIM: 'skip-compare-and-set' };

/** A private TMPDIR for one run of agor selftest, so what it leaves behind can be seen. */
function scratch(): { dir: string; tmp: string; cleanup: () => void } {
  const t = tempDb();
  const tmp = join(t.dir, 'tmp');
  mkdirSync(tmp);
  return { dir: t.dir, tmp, cleanup: t.cleanup };
}

describe('agor selftest with the default figures', () => {
  const s = scratch();
  const userDb = join(s.dir, 'user.db');
  let before: { mtimeMs: number; content: Buffer };
  let r: RunResult;

  beforeAll(async () => {
    // A real user database, made by btmsg as a user would.
    expect(btmsg(['register', 'alice', 'Alice', 'project', 'demo'], { db: userDb }).code).toBe(0);
    before = { mtimeMs: statSync(userDb).mtimeMs, content: readFileSync(userDb) };
    r = await runAsync('agor', ['selftest'], { db: userDb, env: { TMPDIR: s.tmp }, timeout: 180_000 });
  }, 200_000);
  afterAll(() => s.cleanup());

  it('passes every check and exits 0', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of CHECKS) expect(r.stdout).toMatch(new RegExp(`^PASS ${name}\\b`, 'm'));
    expect(r.stdout).toMatch(/^5 passed, 0 failed, 0 skipped/m);
    expect(r.stdout).toContain('8 claimers took 200 tasks, each exactly once');
    expect(r.stdout).toContain('320 messages from 16 concurrent senders, each stored exactly once');
  });

  it("leaves the user's database named by AGOR_DB untouched", () => {
    expect(statSync(userDb).mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(userDb).equals(before.content)).toBe(true);
  });

  it('leaves no process or temporary directory behind', () => {
    expect(readdirSync(s.tmp)).toEqual([]);
    expect(processesMentioning(s.tmp)).toEqual([]);
  });
});

describe('agor selftest', () => {
  it('prints one JSON document with a verdict, figures and detail per check', async () => {
    const s = scratch();
    try {
      const r = await runAsync('agor', ['selftest', '--json', ...SMALL], { env: { TMPDIR: s.tmp }, timeout: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      const doc = json<Report>(r);
      expect(doc.ok).toBe(true);
      expect(doc.checks.map((c) => c.name)).toEqual(CHECKS);
      for (const c of doc.checks) {
        expect(c.verdict).toBe('pass');
        expect(typeof c.detail).toBe('string');
        expect(c.figures.processes).toBeGreaterThan(0);
        expect(typeof c.figures.duration_ms).toBe('number');
      }
      expect(doc.checks[0]!.figures).toMatchObject({ claimers: 4, tasks: 30, claimed: 30, claimed_twice: 0, lost: 0 });
      expect(doc.checks[2]!.figures).toMatchObject({ senders: 3, per_sender: 3, stored: 9, duplicated: 0, lost: 0, refused_busy: 0 });
      expect(readdirSync(s.tmp)).toEqual([]);
    } finally {
      s.cleanup();
    }
  }, 150_000);

  it('fails, naming a task claimed twice, when bttask claims skip their compare-and-set', async () => {
    const s = scratch();
    try {
      const r = await runAsync('agor', ['selftest', ...SMALL], { env: { TMPDIR: s.tmp, ...UNSAFE }, timeout: 120_000 });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL claims +task [0-9a-f]{8} claimed (twice|\d+ times) \(by claimer\d+, claimer\d+/m);
      expect(r.stdout).toMatch(/^FAIL races +3 of 3 races went wrong; first: race 1: both claimers won task [0-9a-f]{8}/m);
      expect(r.stdout).toMatch(/some checks failed/);
      const doc = json<Report>(await runAsync('agor', ['selftest', '--json', ...SMALL], { env: { TMPDIR: s.tmp, ...UNSAFE }, timeout: 120_000 }));
      expect(doc.ok).toBe(false);
      expect(doc.checks.find((c) => c.name === 'claims')!.verdict).toBe('fail');
    } finally {
      s.cleanup();
    }
  }, 300_000);

  it('ignores a switch value other than the exact one, so a stray setting breaks nothing', async () => {
    const s = scratch();
    try {
      const r = await runAsync('agor', ['selftest', ...SMALL], { env: { TMPDIR: s.tmp, AGOR_TEST_UNSAFE_CLAIM: '1' }, timeout: 120_000 });
      expect(r.code, r.stdout).toBe(0);
    } finally {
      s.cleanup();
    }
  }, 150_000);

  it('stops every process it started and removes its directory on SIGINT', async () => {
    const s = scratch();
    try {
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'agor.cjs'), 'selftest'], { env: { ...process.env, TMPDIR: s.tmp, NO_COLOR: '1' } });
      const done = settle(child, { timeout: 60_000 });
      // Under way: its directory made and claimers running.
      await waitFor(
        'claimers running',
        () => processesMentioning(s.tmp).filter((p) => p !== child.pid),
        (ps) => ps.length >= 2,
        { timeout: 30_000 },
      );
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.stdout).toMatch(/interrupted/);
      expect(alive(child.pid!)).toBe(false);
      expect(readdirSync(s.tmp)).toEqual([]);
      expect(processesMentioning(s.tmp)).toEqual([]);
    } finally {
      s.cleanup();
    }
  }, 90_000);
});

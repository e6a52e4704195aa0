// scripts/demo.mjs, the "main job" launcher: picks the database, runs agor up on the demo
// team with this terminal, passes --headless and -d through, and forwards the exit status.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, type RunResult, json, runAsync } from '../../helpers/cli.js';
import { type AgentView, alive, group, processesMentioning, waitFor } from '../agor/fixture.js';
import { cleanEnv } from './helpers.js';

const DEMO = join(ROOT, 'scripts', 'demo.mjs');

function demo(args: string[], env: Record<string, string | undefined>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], { env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

test('without AGOR_DB or --db: a fresh demo database under the temp dir, said on screen; -d passes through', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  const r = await demo(['-d'], cleanEnv({ TMPDIR: g.dir }));
  expect(r.code, r.stderr).toBe(0);
  const m = /^demo database: (\S+\/agor-demo-[^/\s]+\/agor\.db) \(set AGOR_DB to keep one\)$/m.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  const db = m![1]!;
  expect(dirname(dirname(db))).toBe(g.dir);
  expect(r.stdout).toMatch(/agor: supervisor started \(pid \d+\) for demo/);
  // The fresh directory outlives the launcher, and it says so.
  expect(r.stdout).toContain(`demo: the demo's files are kept in ${dirname(db)} `);
  expect(r.stdout).toContain(`remove them with: rm -r ${dirname(db)}\n`);
  const ps = json<AgentView[]>(await runAsync('agor', ['ps', '--json', '--db', db], { env: cleanEnv() }));
  expect(ps.map((a) => a.id)).toEqual(['manager', 'reviewer', 'alice', 'bob', 'carol']);
  const down = await runAsync('agor', ['down', '--db', db], { env: cleanEnv(), timeout: 30_000 });
  expect(down.code, down.stderr).toBe(0);
});

test('AGOR_DB is used as it is; a bad option is a usage error', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  const r = await demo(['-d'], cleanEnv({ AGOR_DB: g.db, TMPDIR: g.dir }));
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^demo database: ${g.db}$`, 'm'));
  expect(r.stdout).not.toMatch(/files are kept/);
  expect(json<AgentView[]>(await runAsync('agor', ['ps', '--json', '--db', g.db], { env: cleanEnv() }))).toHaveLength(5);
  expect((await runAsync('agor', ['down', '--db', g.db], { env: cleanEnv(), timeout: 30_000 })).code).toBe(0);

  const bad = await demo(['--frobnicate'], cleanEnv());
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^demo: unknown option '--frobnicate'/);
});

test('--headless --db in the foreground: the event log on stdout; SIGTERM stops the team and the status is passed on', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  const child = spawn(process.execPath, [DEMO, '--headless', '--db', g.db], { env: cleanEnv() as NodeJS.ProcessEnv });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
  await waitFor(
    'the supervisor to be ready',
    () => out,
    (o) => /supervisor ready \(pid \d+\)/.test(o),
    { timeout: 20_000, interval: 100 },
  );
  await waitFor(
    'a worker to start',
    () => out,
    (o) => /alice: run \w+ started/.test(o),
    { timeout: 10_000, interval: 100 },
  );
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toMatch(/supervisor stopping/);
  await waitFor(
    'the team to be gone',
    () => processesMentioning(g.dir).filter(alive),
    (l) => l.length === 0,
    { timeout: 5000, interval: 100 },
  );
}, 40_000);

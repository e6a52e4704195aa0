import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive, procOf, processesMentioning } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';

const helper = join(process.cwd(), 'dist/agor-sandbox');
const SYSTEM = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/proc', '/dev'].filter((p) => existsSync(p)).flatMap((p) => ['--read', p]);

// An agent that leaves things behind: a child in a new session, a double-forked one, and
// one that ignores SIGTERM; it prints their pids and exits with 3. They let go of its
// output, or the test would wait for them to close it.
const LEAVER = `
setsid sleep 600 >/dev/null 2>&1 & echo $!
(sleep 600 >/dev/null 2>&1 & echo $!)
(trap '' TERM; exec sleep 600 >/dev/null 2>&1) & echo $!
exit 3`;

describe('agor-sandbox --reaper', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agor-reaper-'));
  });
  afterEach(() => {
    // Everything the test started carries the directory in its environment.
    for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the helper with `flags`, the agent in `script`; resolves its pid, the agent's output and how it ended. */
  const start = (flags: string[], script: string) => {
    const child = spawn(helper, [...SYSTEM, '--write', dir, '--write', '/dev/null', ...flags, '--', 'sh', '-c', script], {
      env: { ...process.env, AGOR_TEST_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
    return { pid: child.pid!, output: () => stdout, ended };
  };

  it('ends a setsid child, a double-forked child and one that ignores SIGTERM once the agent exits, and exits with the agent’s status', async () => {
    const agent = start(['--reaper'], LEAVER);
    const { code } = await agent.ended;
    expect(code).toBe(3);
    const left = agent.output().trim().split('\n').map(Number);
    expect(left).toHaveLength(3);
    for (const pid of left) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('without --reaper the same agent leaves them running (what the reaper is for)', async () => {
    const agent = start([], LEAVER);
    expect((await agent.ended).code).toBe(3);
    const left = agent.output().trim().split('\n').map(Number);
    for (const pid of left) expect(alive(pid), `pid ${pid}`).toBe(true);
  });

  it('stays the process the supervisor started, with the agent as its child, and passes SIGTERM on', async () => {
    const agent = start(['--reaper'], 'echo $$; exec sleep 600');
    const pid = await waitFor(
      'the agent’s pid',
      () => Number(agent.output().trim()),
      (p) => p > 0,
    );
    expect(pid).not.toBe(agent.pid);
    expect(procOf(pid)?.ppid).toBe(agent.pid);
    process.kill(agent.pid, 'SIGTERM');
    // The helper ends as the agent did: by the signal.
    expect(await agent.ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(alive(pid)).toBe(false);
  });

  it('applies the policy to the agent: a sandbox failure is still exit 125, and a missing program 127', async () => {
    const bad = start(['--reaper', '--write', join(dir, 'missing')], 'echo ran');
    expect((await bad.ended).code).toBe(125);
    expect(bad.output()).toBe('');
    const child = spawn(helper, ['--reaper', ...SYSTEM, '--', 'no-such-program-here'], { stdio: 'ignore' });
    expect(await new Promise((r) => child.once('close', r))).toBe(127);
  });
});

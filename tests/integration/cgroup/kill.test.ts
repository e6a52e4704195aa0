import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, ignores } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';
import { cgroupScope, removeStale } from '../../../src/sandbox/cgroup.js';
import { killVariants, Made, missing, newScope, support } from './fixture.js';

const skip = missing('membership');
if (skip) console.warn(`skipping cgroup kill tests: ${skip}`);

/** Session id and parent of `pid`, from /proc/PID/stat. */
function stat(pid: number): { ppid: number; session: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(rest[1]), session: Number(rest[3]) };
}

// A setsid child, a double-forked one, one that ignores SIGTERM (and its sleep, which
// inherits that), and the shell itself waiting on a sleep of its own: six processes.
const ESCAPERS = `setsid sleep 1001 & sh -c 'sleep 1002 &'; sh -c 'trap "" TERM; sleep 1003' & sleep 1004`;

describe.skipIf(skip).each(skip ? [{ name: 'nothing', support }] : killVariants())(`an agent's cgroup, killing by $name`, ({ support }) => {
  const made = new Made(support);
  afterEach(() => made.undo());

  it('lists every process started inside it, setsid and double-forked ones included, and killAll leaves none in /proc', async () => {
    const cg = made.open(newScope(), 'worker');
    const sh = made.startIn(cg, ESCAPERS);
    const pids = await waitFor(
      'six members',
      () => cg.members(),
      (m) => m.length === 6,
    );
    expect(pids).toContain(sh.pid);
    // They really did get away from the shell's session and from their parent.
    expect(pids.some((p) => p !== sh.pid && stat(p).session === p)).toBe(true);
    expect(pids.some((p) => p !== sh.pid && !pids.includes(stat(p).ppid))).toBe(true);
    expect(pids).not.toContain(process.pid);

    expect(await cg.killAll(10_000)).toBe(true);
    expect(cg.members()).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('signalAll reaches every member; those that ignore SIGTERM are left for killAll', async () => {
    const cg = made.open(newScope(), 'worker');
    made.startIn(cg, ESCAPERS);
    const pids = await waitFor(
      'six members',
      () => cg.members(),
      (m) => m.length === 6,
    );
    expect(cg.signalAll('SIGTERM')).toBe(6);
    const left = await waitFor(
      'only the SIGTERM-ignoring members',
      () => cg.members(),
      (m) => m.length === 2,
    );
    expect(left.every((p) => ignores(p, 'SIGTERM'))).toBe(true);
    expect(await cg.killAll(10_000)).toBe(true);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('is the same directory on every open, so a restarted supervisor finds the processes of a run it re-adopts', async () => {
    const scope = newScope();
    const first = made.open(scope, 'worker');
    const sh = made.startIn(first, 'sleep 1005');
    await waitFor(
      'two members',
      () => first.members(),
      (m) => m.length === 2,
    );
    const again = made.open(scope, 'worker');
    expect(again.dirs).toEqual(first.dirs);
    expect(again.members()).toContain(sh.pid);
  });

  it.skipIf(support.kill !== 'freezer')('thaws, when opened again, an agent that a supervisor dying mid-kill left frozen', async () => {
    const scope = newScope();
    const cg = made.open(scope, 'worker');
    made.startIn(cg, 'sleep 1008');
    await waitFor(
      'two members',
      () => cg.members(),
      (m) => m.length === 2,
    );
    const dir = cg.dirs.find((d) => d.startsWith(`${support.freezer!}/`))!;
    const v2 = support.freezer === support.v2?.dir;
    const frozen = () =>
      v2 ? /^frozen 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8')) : readFileSync(join(dir, 'freezer.state'), 'utf8').trim() === 'FROZEN';
    writeFileSync(join(dir, v2 ? 'cgroup.freeze' : 'freezer.state'), v2 ? '1' : 'FROZEN');
    await waitFor('the agent frozen', frozen, (f) => f);
    made.open(scope, 'worker');
    expect(frozen()).toBe(false);
  });

  it('remove() refuses while a member is left, then leaves no directory; removeStale tidies agents no longer kept', async () => {
    const scope = newScope();
    const cg = made.open(scope, 'worker');
    const other = made.open(scope, 'retired');
    made.startIn(cg, 'sleep 1006');
    await waitFor(
      'a member',
      () => cg.members(),
      (m) => m.length > 0,
    );
    expect(cg.remove()).toBe(false);
    expect(cg.dirs.every((d) => existsSync(d))).toBe(true);

    expect(removeStale(support, scope, ['worker'])).toEqual({ removed: ['retired'], busy: [] });
    expect(other.dirs.some((d) => existsSync(d))).toBe(false);

    expect(await cg.killAll(10_000)).toBe(true);
    expect(cg.remove()).toBe(true);
    expect(cg.dirs.some((d) => existsSync(d))).toBe(false);
    expect(removeStale(support, scope, [])).toEqual({ removed: [], busy: [] });
    // The scope's own directories go once nothing is kept in them.
    expect(cg.dirs.map((d) => d.slice(0, d.lastIndexOf('/'))).some((d) => existsSync(d))).toBe(false);
  });
});

describe.skipIf(skip)('AgentCgroup.open', () => {
  const made = new Made();
  afterEach(() => made.undo());

  it('takes the scope cgroupScope makes of any group name and database path, one per database', () => {
    const a = cgroupScope('my team/α', `/tmp/x-${process.pid}/agor.db`);
    expect(a).toMatch(/^my_team__-[0-9a-f]{10}$/);
    expect(cgroupScope('my team/α', `/tmp/y-${process.pid}/agor.db`)).not.toBe(a);
    expect(cgroupScope('.hidden', 'agor.db')).toMatch(/^_hidden-/);
    expect(made.open(a, 'worker').dirs.every((d) => existsSync(d))).toBe(true);
  });

  it('refuses a name that is one of the cgroup files', () => {
    const scope = newScope();
    expect(() => made.open(scope, 'cgroup.procs')).toThrow(/a cgroup file has that name/);
    // Nor is the scope left behind, empty.
    expect([support.membership!, support.v1.memory?.dir, support.v1.pids?.dir].some((b) => b && existsSync(join(b, `agor.${scope}`)))).toBe(false);
  });

  it('refuses names that are not one plain path component', () => {
    for (const bad of ['', '.', '..', 'a/b', '../x', 'x\n', '.hidden']) {
      expect(() => made.open(bad, 'worker'), JSON.stringify(bad)).toThrow(/not usable/);
      expect(() => made.open(newScope(), bad), JSON.stringify(bad)).toThrow(/not usable/);
    }
  });
});

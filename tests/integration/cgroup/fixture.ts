import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentCgroup, type CgroupSupport, detectCgroups, removeStale } from '../../../src/sandbox/cgroup.js';

/** What this machine offers, detected once per test file. */
export const support: CgroupSupport = detectCgroups();

/** Why a cgroup test cannot run here, or null. */
export function missing(need: 'membership' | 'memory' | 'pids'): string | null {
  if (support.membership === null) return `no usable cgroups: ${support.why ?? 'none mounted'}`;
  if (support[need] === null) return `no ${need} controller: ${support.why ?? 'not offered'}`;
  return null;
}

/**
 * The ways to kill this machine offers: what was detected, then each fallback the machine
 * can also do (v2's cgroup.freeze, the v1 freezer, plain signals), so each is tried for real.
 */
export function killVariants(): { name: string; support: CgroupSupport }[] {
  const out: { name: string; support: CgroupSupport }[] = [{ name: support.kill, support }];
  const { v2, v1 } = support;
  if (v2?.writable && v2.cgroupFreeze && support.membership === v2.dir)
    out.push({ name: 'freezer (v2 cgroup.freeze)', support: { ...support, kill: 'freezer', freezer: v2.dir } });
  if (v1.freezer?.writable) out.push({ name: 'freezer (v1)', support: { ...support, kill: 'freezer', freezer: v1.freezer.dir } });
  out.push({ name: 'signals', support: { ...support, kill: 'signals', freezer: null } });
  return out.filter((v, i) => out.findIndex((w) => w.support.kill === v.support.kill && w.support.freezer === v.support.freezer) === i);
}

let n = 0;
/** A scope of this test file's own, so files running side by side never share a cgroup. */
export const newScope = (): string => `test-${process.pid}-${++n}`;

/**
 * Cgroups and processes a test makes, undone in afterEach: every process killed by pid,
 * every cgroup killed and removed, and each scope's own directories removed.
 */
export class Made {
  constructor(private readonly with_: CgroupSupport = support) {}

  private readonly cgroups: AgentCgroup[] = [];
  private readonly children: ChildProcess[] = [];

  open(scope: string, agent: string): AgentCgroup {
    const cg = AgentCgroup.open(this.with_, scope, agent);
    this.cgroups.push(cg);
    return cg;
  }

  /**
   * Starts `sh -c script` stopped at its first `read x`, moves it into `cg` (as the helper
   * would, before it forks anything) and then lets it go on.
   */
  startIn(cg: AgentCgroup, script: string): ChildProcess {
    const child = spawn('sh', ['-c', `read x; ${script}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.children.push(child);
    for (const d of cg.dirs) writeFileSync(join(d, 'cgroup.procs'), String(child.pid));
    child.stdin!.write('go\n');
    return child;
  }

  async undo(): Promise<void> {
    for (const cg of this.cgroups) {
      const emptied = await cg.killAll(10_000);
      const removed = cg.remove();
      removeStale(this.with_, cg.scope, []);
      if (!emptied || !removed) throw new Error(`cgroup ${cg.dirs.join(', ')} was left: killed ${emptied}, removed ${removed}`);
    }
    for (const c of this.children) c.kill('SIGKILL');
    this.cgroups.length = 0;
    this.children.length = 0;
  }
}

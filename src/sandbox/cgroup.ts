/**
 * Per-agent cgroups: the domain's one place that makes, limits, reads, kills and removes
 * them. An agent's cgroup is `<base>/agor.<scope>/<agent>` in every hierarchy used (see
 * detectCgroups), the same path on every run, so a restarted supervisor finds the cgroup
 * of a run it re-adopts. Nothing here moves the calling process: a new process joins by
 * writing its own pid to each of `dirs`' cgroup.procs (agor-sandbox --cgroup).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CgroupSupport } from './cgroup-detect.js';
import { checkCgroupName, counter, enableControllers, ensureDir, procsOf, read, removeIfEmpty, removeTree, write } from './cgroup-files.js';

export { detectCgroups } from './cgroup-detect.js';
export type { CgroupSupport, Hierarchy, V2Hierarchy } from './cgroup-detect.js';
export { checkCgroupName } from './cgroup-files.js';

/**
 * The scope of one supervisor's agents: its group and a hash of its database path, so that
 * two supervisors (two databases, or two groups) never share an agent's cgroup.
 */
export function cgroupScope(group: string, dbPath: string): string {
  const name =
    group
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^\./, '_')
      .slice(0, 48) || 'group';
  return `${name}-${createHash('sha256').update(resolve(dbPath)).digest('hex').slice(0, 10)}`;
}

/** Base directories of the hierarchies `support` uses, each once. */
function bases(s: CgroupSupport): { membership: string; memory: string | null; pids: string | null; freezer: string | null; all: string[] } {
  if (s.membership === null) throw new Error(`no cgroups on this machine${s.why ? `: ${s.why}` : ''}`);
  const v2 = s.v2?.dir ?? null;
  const memory = s.memory === 'v2' ? v2 : s.memory === 'v1' ? s.v1.memory!.dir : null;
  const pids = s.pids === 'v2' ? v2 : s.pids === 'v1' ? s.v1.pids!.dir : null;
  const freezer = s.kill === 'freezer' ? s.freezer : null;
  const all = [...new Set([s.membership, memory, pids, freezer].filter((d): d is string => d !== null))];
  return { membership: s.membership, memory, pids, freezer, all };
}

/** The state letter of a process (R, S, Z…), null when it is gone. */
function processState(pid: number): string | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

/** A limit for setLimits: bytes or a count; null means none. */
export interface CgroupLimits {
  memoryBytes: number | null;
  pids: number | null;
}

/** One agent's cgroup (a directory in each hierarchy used), reused across its runs. */
export class AgentCgroup {
  /** The directories whose cgroup.procs a new process of this agent joins (agor-sandbox --cgroup). */
  readonly dirs: string[];
  private readonly membership: string;
  private readonly memory: string | null;
  private readonly pids: string | null;
  private readonly freezer: string | null;
  /** The memory.peak descriptor that resetPeak reset (v2, kernel 6.12+): the peak since then is read through it. */
  private peakFd: number | null = null;

  private constructor(
    readonly support: CgroupSupport,
    readonly scope: string,
    readonly agent: string,
  ) {
    const b = bases(support);
    const at = (base: string | null): string | null => (base === null ? null : join(base, `agor.${scope}`, agent));
    this.membership = at(b.membership)!;
    this.memory = at(b.memory);
    this.pids = at(b.pids);
    this.freezer = at(b.freezer);
    this.dirs = b.all.map((d) => at(d)!);
  }

  /**
   * Creates (or reuses) the cgroup of `agent` in scope `scope` (a short name of the caller's,
   * e.g. the group plus a hash of the database path) in every hierarchy `support` uses.
   * On v2, memory and pids are enabled for the scope's children on the way down.
   */
  static open(support: CgroupSupport, scope: string, agent: string): AgentCgroup {
    checkCgroupName('scope', scope);
    checkCgroupName('agent', agent);
    const cg = new AgentCgroup(support, scope, agent);
    const v2 = support.v2?.dir;
    const v2controllers = (['memory', 'pids'] as const).filter((c) => support[c] === 'v2');
    const all = bases(support).all;
    try {
      for (const base of all) {
        const scopeDir = join(base, `agor.${scope}`);
        if (base === v2 && v2controllers.length) enableControllers(base, v2controllers);
        ensureDir(scopeDir);
        // The scope's cgroup holds no process, so the no-internal-process rule allows this.
        if (base === v2 && v2controllers.length) enableControllers(scopeDir, v2controllers);
        ensureDir(join(scopeDir, agent));
      }
    } catch (err) {
      // Leave no empty scope behind (one that holds other agents stays: rmdir refuses).
      for (const base of all) removeIfEmpty(join(base, `agor.${scope}`));
      throw err;
    }
    // A supervisor that died inside killAll may have left the agent frozen.
    if (cg.freezer !== null) cg.setFrozen(false);
    return cg;
  }

  /** Whether memory / the freezer are v2's files (memory.max, cgroup.freeze) or v1's. */
  private get memoryV2(): boolean {
    return this.support.memory === 'v2';
  }

  private get freezerV2(): boolean {
    return this.support.freezer !== null && this.support.freezer === this.support.v2?.dir;
  }

  /**
   * Sets the memory limit (v2 memory.max with swap off; v1 memory.limit_in_bytes and, where
   * swap is accounted, memsw so that swap does not dodge it) and pids.max; null lifts one.
   * A limit asked of a controller this machine lacks is an error.
   */
  setLimits(limits: CgroupLimits): void {
    const { memoryBytes, pids } = limits;
    if (memoryBytes !== null && (!Number.isSafeInteger(memoryBytes) || memoryBytes <= 0))
      throw new Error(`memory limit must be a positive number of bytes, not ${memoryBytes}`);
    if (pids !== null && (!Number.isSafeInteger(pids) || pids <= 0)) throw new Error(`pids limit must be a positive count, not ${pids}`);
    if (this.memory === null) {
      if (memoryBytes !== null) throw new Error(`cannot limit memory with a cgroup: ${this.support.why ?? 'no memory controller'}`);
    } else if (this.memoryV2) {
      write(join(this.memory, 'memory.max'), memoryBytes === null ? 'max' : String(memoryBytes));
      const swap = join(this.memory, 'memory.swap.max');
      if (existsSync(swap)) write(swap, memoryBytes === null ? 'max' : '0');
    } else {
      this.setV1Memory(memoryBytes);
    }
    if (this.pids === null) {
      if (pids !== null) throw new Error(`cannot limit pids with a cgroup: ${this.support.why ?? 'no pids controller'}`);
    } else write(join(this.pids, 'pids.max'), pids === null ? 'max' : String(pids));
  }

  private setV1Memory(bytes: number | null): void {
    const mem = join(this.memory!, 'memory.limit_in_bytes');
    const memsw = join(this.memory!, 'memory.memsw.limit_in_bytes');
    const value = bytes === null ? '-1' : String(bytes);
    if (!existsSync(memsw)) return write(mem, value);
    // The kernel keeps memory <= memsw at every step: raise memsw first, lower memory first.
    const now = Number(read(mem) ?? 'NaN');
    const raising = bytes === null || !(bytes < now);
    if (raising) (write(memsw, value), write(mem, value));
    else (write(mem, value), write(memsw, value));
  }

  /** Starts a new peak (for a new run): v1 resets max_usage; v2 resets its own memory.peak descriptor where the kernel allows. */
  resetPeak(): void {
    if (this.memory === null) return;
    if (!this.memoryV2) {
      try {
        writeFileSync(join(this.memory, 'memory.max_usage_in_bytes'), '0');
      } catch {
        /* the peak then spans the agent's earlier runs too */
      }
      return;
    }
    this.closePeak();
    try {
      const fd = openSync(join(this.memory, 'memory.peak'), 'r+');
      try {
        writeSync(fd, 'reset\n');
        this.peakFd = fd;
      } catch {
        // Before 6.12 memory.peak is read-only: the peak is then the cgroup's since creation.
        closeSync(fd);
      }
    } catch {
      /* no memory.peak (before 5.19) */
    }
  }

  private closePeak(): void {
    if (this.peakFd !== null) closeSync(this.peakFd);
    this.peakFd = null;
  }

  /** The whole agent's peak memory in KiB (since resetPeak), or null where the kernel does not say. */
  peakMemoryKb(): number | null {
    if (this.memory === null) return null;
    let text: string | null;
    if (this.peakFd !== null) {
      const buf = Buffer.alloc(64);
      try {
        text = buf.toString('latin1', 0, readSync(this.peakFd, buf, 0, buf.length, 0));
      } catch {
        text = null;
      }
    } else text = read(join(this.memory, this.memoryV2 ? 'memory.peak' : 'memory.max_usage_in_bytes'));
    const n = Number(text?.trim() || 'NaN');
    return Number.isFinite(n) ? Math.round(n / 1024) : null;
  }

  /** How many processes the kernel's OOM killer has ended in this cgroup (0 when unknown). */
  oomKills(): number {
    if (this.memory === null) return 0;
    return this.memoryV2 ? counter(join(this.memory, 'memory.events'), 'oom_kill') : counter(join(this.memory, 'memory.oom_control'), 'oom_kill');
  }

  /** How many forks pids.max has refused (0 when unknown). */
  pidsMaxHits(): number {
    return this.pids === null ? 0 : counter(join(this.pids, 'pids.events'), 'max');
  }

  /** Every live process of the agent, in any of its cgroups (and cgroups under them). */
  members(): number[] {
    const pids = new Set<number>();
    for (const d of this.dirs) procsOf(d, pids);
    return [...pids].filter((pid) => {
      const state = processState(pid);
      return state !== null && state !== 'Z' && state !== 'X';
    });
  }

  /** Sends `signal` to every member; returns how many it reached. */
  signalAll(signal: NodeJS.Signals): number {
    let n = 0;
    for (const pid of this.members()) {
      if (pid === process.pid) continue;
      try {
        process.kill(pid, signal);
        n++;
      } catch {
        /* gone since the listing */
      }
    }
    return n;
  }

  /**
   * Kills every member, forks in flight included: with cgroup.kill, else by freezing the
   * cgroup, SIGKILLing each member and thawing, else by SIGKILL until none is left. True
   * when the cgroup is empty within `timeoutMs`.
   */
  async killAll(timeoutMs = 5000): Promise<boolean> {
    if (this.members().includes(process.pid)) throw new Error(`refusing to kill cgroup ${this.membership}: it holds this process (${process.pid})`);
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; ; round++) {
      const left = this.members().length;
      if (left === 0 && this.drained()) return true;
      if (Date.now() >= deadline) return false;
      if (left === 0) {
        // Killed, still freeing its memory: wait, or rmdir would find the cgroup busy.
      } else if (this.support.kill === 'cgroup.kill') {
        // One write kills all, forks included; repeat now and then for a straggler in D state.
        if (round % 25 === 0) write(join(this.membership, 'cgroup.kill'), '1');
        // A member still listed after that has left the v2 cgroup but not a v1 one: signal it.
        else if (round >= 10) this.signalAll('SIGKILL');
      } else if (this.freezer !== null) await this.freezeAndKill(deadline);
      else this.signalAll('SIGKILL');
      await sleep(20);
    }
  }

  /**
   * True when no task, not even a dying one, is left. cgroup.procs leaves out a process
   * that is exiting (freeing a large heap takes a while), yet it keeps the cgroup busy
   * until it is done: v2's cgroup.events says so, v1's tasks file still lists it.
   */
  private drained(): boolean {
    return this.dirs.every((d) => {
      const events = read(join(d, 'cgroup.events'));
      if (events !== null) return !/^populated 1$/m.test(events);
      return (read(join(d, 'tasks')) ?? '').trim() === '';
    });
  }

  private setFrozen(frozen: boolean): void {
    const dir = this.freezer!;
    if (this.freezerV2) write(join(dir, 'cgroup.freeze'), frozen ? '1' : '0');
    else write(join(dir, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
  }

  /** One round of freeze, SIGKILL each member, thaw: a frozen cgroup cannot fork a member we would miss. */
  private async freezeAndKill(deadline: number): Promise<void> {
    const dir = this.freezer!;
    const v2 = this.freezerV2;
    const isFrozen = () => (v2 ? counter(join(dir, 'cgroup.events'), 'frozen') === 1 : read(join(dir, 'freezer.state'))?.trim() === 'FROZEN');
    this.setFrozen(true);
    try {
      // A task in uninterruptible sleep can hold the freeze up: kill anyway when time is short.
      const until = Math.min(deadline, Date.now() + 1000);
      while (!isFrozen() && Date.now() < until) await sleep(10);
      this.signalAll('SIGKILL');
    } finally {
      this.setFrozen(false);
    }
  }

  /**
   * Removes the agent's cgroup directories (cgroups under them first). False while a
   * member remains (the kernel refuses with EBUSY); other failures throw.
   */
  remove(): boolean {
    this.closePeak();
    let ok = true;
    for (const d of this.dirs) if (!removeTree(d)) ok = false;
    return ok;
  }
}

/**
 * Removes the cgroups of scope `scope` whose agent is not in `keep` (agents no longer
 * configured), and the scope's own cgroups when nothing is left. Cgroups that still have
 * members are left and listed in `busy`: killing them is the caller's decision.
 */
export function removeStale(support: CgroupSupport, scope: string, keep: string[]): { removed: string[]; busy: string[] } {
  checkCgroupName('scope', scope);
  const removed = new Set<string>();
  const busy = new Set<string>();
  const scopeDirs = bases(support).all.map((b) => join(b, `agor.${scope}`));
  for (const dir of scopeDirs) {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory() || keep.includes(e.name)) continue;
      if (removeTree(join(dir, e.name))) removed.add(e.name);
      else busy.add(e.name);
    }
  }
  for (const b of busy) removed.delete(b);
  if (keep.length === 0 && busy.size === 0) for (const dir of scopeDirs) removeTree(dir);
  return { removed: [...removed], busy: [...busy] };
}

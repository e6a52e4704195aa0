/**
 * Conflicts, seen early: the supervisor's module that watches the agents' working trees.
 * Agents sharing one tree are tracked file by file (overlap.ts); agents in separate
 * worktrees of one repository are checked now and then for work that would not merge
 * (conflict-scan.ts). What it finds is recorded (db/conflicts.ts), raises the agents'
 * attention, and is told as a `conflict` event (hooks, dashboard, relay) and an audit row.
 */
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { type ConflictSighting, recordConflict, resolveConflict, unresolvedConflicts } from '../db/conflicts.js';
import { writeTx } from '../db/open.js';
import { type Ctx, type Run, iso } from './context.js';
import { CheckCache, type RepoCheck, type TreeLoc, type Worktree, checkRepo, locate, treeView } from './conflict-scan.js';
import { type Finding, OverlapTracker } from './overlap.js';
import { changedFiles, parseTranscriptLine } from './transcript.js';

/** How often a tree is looked at while one of its agents runs, and while none does (to see external writes). */
const BUSY_POLL_MS = 1500;
const IDLE_POLL_MS = 5000;
/** How often worktrees are checked for work that would not merge (and at every run's end). */
export const MERGE_CHECK_MS = 60_000;
/** Runs ending one after another start a merge check at most this often. */
const MERGE_GAP_MS = 5000;
/** A directory that is not (or no longer) in a repository is asked again after this long. */
const RELOCATE_MS = 60_000;
/** A run counts as live this long before its start was noticed (the spawn comes first). */
const START_SLACK_MS = 500;
/** Runs that ended longer ago than this no longer attribute writes. */
const RUNS_KEPT_MS = 10 * 60_000;
/** At most this much of a run's log is read per look. */
const READ_MAX = 1 << 20;

interface Tree {
  loc: TreeLoc;
  tracker: OverlapTracker;
  /** Agents that ran since the last look (a run that ended in between still counts). */
  ran: Set<string>;
  lastPoll: number;
  busy: boolean;
  /** A look was asked for while one was under way: another follows it. */
  again: boolean;
}

interface LogCursor {
  offset: number;
  rest: string;
}

export class Conflicts {
  private readonly locs = new Map<string, { at: number; loc: Promise<TreeLoc | null> }>();
  private readonly trees = new Map<string, Tree>();
  private readonly cursors = new Map<string, LogCursor>();
  private lastMerge = 0;
  private mergeDue = false;
  private merging = false;
  private readonly cache = new CheckCache();
  private readonly told = new Set<string>();
  private stopped = false;
  /** When watching began: a file written since is no baseline, however late the first look. */
  private readonly since = Date.now();
  /** Each agent's recent runs (wall clock), to tell who was live when a file was written. */
  private readonly live = new Map<string, { start: number; end: number | null }[]>();

  constructor(private readonly ctx: Ctx) {}

  /** Logged once per distinct complaint, so a broken repository does not flood the log. */
  private logOnce(line: string): void {
    if (this.told.has(line)) return;
    this.told.add(line);
    this.ctx.o.log(`conflicts: ${line}`);
  }

  private locOf(dir: string): Promise<TreeLoc | null> {
    const now = Date.now();
    const c = this.locs.get(dir);
    if (c && now - c.at < RELOCATE_MS) return c.loc;
    const loc = locate(dir);
    this.locs.set(dir, { at: now, loc });
    return loc;
  }

  /** The agents' places in git, by agent id (agents not in a repository left out). */
  private async where(): Promise<Map<string, TreeLoc>> {
    const out = new Map<string, TreeLoc>();
    for (const s of this.ctx.slots.values()) {
      const loc = await this.locOf(s.workdir);
      if (loc) out.set(s.cfg.id, loc);
    }
    return out;
  }

  private running(agent: string): boolean {
    const r = this.ctx.slots.get(agent)?.run;
    return !!r && !r.ended;
  }

  /**
   * git's view of each agent's tree before any agent starts, so that what the first runs
   * change is theirs; bounded, so a slow or broken repository cannot hold up start-up.
   */
  async baseline(ms: number): Promise<void> {
    await Promise.race([this.scan(), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  /** Each second: looks at trees that are due, and starts a merge check when one is due. */
  tick(): void {
    if (!this.stopped) void this.scan();
  }

  private scan(): Promise<void> {
    return this.where().then(async (w) => {
      const polls: Promise<void>[] = [];
      const now = Date.now();
      const tops = new Map<string, { loc: TreeLoc; agents: string[] }>();
      for (const [agent, loc] of w) {
        const t = tops.get(loc.top) ?? { loc, agents: [] };
        t.agents.push(agent);
        tops.set(loc.top, t);
      }
      for (const { loc, agents } of tops.values()) {
        const tree = this.treeOf(loc);
        const busy = agents.some((a) => this.running(a)) || tree.ran.size > 0;
        if (now - tree.lastPoll >= (busy ? BUSY_POLL_MS : IDLE_POLL_MS)) polls.push(this.poll(tree, agents));
      }
      await Promise.all(polls);
      if ((this.mergeDue && now - this.lastMerge >= MERGE_GAP_MS) || now - this.lastMerge >= MERGE_CHECK_MS) void this.mergeCheck(w);
    });
  }

  private treeOf(loc: TreeLoc): Tree {
    let tree = this.trees.get(loc.top);
    if (!tree) this.trees.set(loc.top, (tree = { loc, tracker: new OverlapTracker(), ran: new Set(), lastPoll: 0, busy: false, again: false }));
    return tree;
  }

  /** A run started: its agent counts as running in its tree from now, and the tree is looked at soon. */
  runStarted(agent: string, run: Run): void {
    // A re-adopted run's earlier tool calls were counted by the supervisor before this one.
    this.cursors.set(run.id, { offset: run.adopted ? run.lastSize : 0, rest: '' });
    const now = Date.now();
    const runs = (this.live.get(agent) ?? []).filter((r) => r.end === null || now - r.end < RUNS_KEPT_MS);
    runs.push({ start: now - START_SLACK_MS, end: null });
    this.live.set(agent, runs);
    void this.locOf(this.ctx.slots.get(agent)?.workdir ?? '').then((loc) => {
      if (!loc) return;
      const tree = this.treeOf(loc);
      tree.ran.add(agent);
      tree.lastPoll = 0;
      // At once, not at the next tick: what an agent that ended a moment ago wrote is then
      // seen before this one can write over it.
      this.tick();
    });
  }

  /** A run ended: its tree is looked at once more with the agent still counted, and worktrees are checked. */
  runEnded(run: Run): void {
    const slot = [...this.ctx.slots.values()].find((s) => s.run === run);
    if (!slot) return;
    const agent = slot.cfg.id;
    const last = this.live.get(agent)?.at(-1);
    if (last && last.end === null) last.end = Date.now();
    void this.locOf(slot.workdir).then(async (loc) => {
      const tree = loc && this.treeOf(loc);
      if (tree) {
        tree.ran.add(agent);
        await this.readClaims(tree, agent, run);
        tree.lastPoll = 0;
        // At once: another agent of the tree may start and write over this one's files within the second.
        this.tick();
      }
      this.cursors.delete(run.id);
      this.mergeDue = true;
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /** The files the run's new log lines say it changed, claimed in the tree. */
  private async readClaims(tree: Tree, agent: string, run: Run): Promise<void> {
    let cur = this.cursors.get(run.id);
    if (!cur) this.cursors.set(run.id, (cur = { offset: run.adopted ? run.lastSize : 0, rest: '' }));
    let fh;
    try {
      fh = await open(run.logPath, 'r');
      const size = (await fh.stat()).size;
      // Rotated under us: start again from its beginning.
      if (size < cur.offset) ((cur.offset = 0), (cur.rest = ''));
      const n = Math.min(READ_MAX, size - cur.offset);
      if (n <= 0) return;
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, cur.offset);
      cur.offset += bytesRead;
      const lines = (cur.rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
      cur.rest = lines.pop() ?? '';
      if (cur.rest.length > READ_MAX) cur.rest = '';
      const workdir = await realpath(this.ctx.slots.get(agent)?.workdir ?? tree.loc.top).catch(() => tree.loc.top);
      const now = Date.now();
      for (const line of lines) {
        const items = line.startsWith('{') ? parseTranscriptLine(line) : null;
        if (!items) continue;
        for (const f of changedFiles(items)) {
          const rel = relative(tree.loc.top, isAbsolute(f) ? f : resolve(workdir, f));
          if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
          this.found(tree, tree.tracker.claim(agent, rel, now));
        }
      }
    } catch {
      /* the log is gone or unreadable: git's view still counts */
    } finally {
      await fh?.close();
    }
  }

  private async poll(tree: Tree, agents: string[]): Promise<void> {
    if (tree.busy) return void (tree.again = true);
    tree.busy = true;
    tree.again = false;
    tree.lastPoll = Date.now();
    try {
      const ran = new Set([...tree.ran, ...agents.filter((a) => this.running(a))]);
      tree.ran.clear();
      for (const a of ran) {
        const run = this.ctx.slots.get(a)?.run;
        if (run) await this.readClaims(tree, a, run);
      }
      const { view, mtimes } = await treeView(tree.loc.top);
      // Agents that started while git was asked count too.
      for (const a of tree.ran) ran.add(a);
      const writers = (f: string): string[] | null => {
        const m = mtimes.get(f);
        if (m === undefined) return null;
        return agents.filter((a) => this.live.get(a)?.some((r) => r.start <= m && (r.end ?? Infinity) >= m));
      };
      const fresh = (f: string) => (mtimes.get(f) ?? 0) >= this.since;
      this.found(tree, tree.tracker.observe(view, [...ran].sort(), Date.now(), { fresh, writers }));
      this.resolveClean(tree, view);
    } catch (err) {
      this.logOnce(`cannot look at ${tree.loc.top}: ${(err as Error).message}`);
      // The repository may have moved or gone: where each agent is is asked again.
      this.locs.clear();
      this.trees.delete(tree.loc.top);
    } finally {
      tree.busy = false;
      if (tree.again) ((tree.lastPoll = 0), this.tick());
    }
  }

  private found(tree: Tree, findings: Finding[]): void {
    const now = Date.now();
    for (const f of findings) {
      if (f.kind === 'clean') continue;
      const key = f.kind === 'overlap' ? `overlap:${tree.loc.top}:${f.agents.join(',')}` : `external:${tree.loc.top}`;
      this.record({ key, kind: f.kind, tree: tree.loc.top, agents: f.agents, files: [f.file], at: now });
    }
  }

  /** Overlaps and external writes whose files all have no change any more are over. */
  private resolveClean(tree: Tree, view: Map<string, string>): void {
    if (this.stopped) return;
    this.ctx.safe('conflicts', () => {
      const external = `external:${tree.loc.top}`;
      for (const prefix of [`overlap:${tree.loc.top}:`, external]) {
        for (const row of unresolvedConflicts(this.ctx.db, prefix)) {
          // external:/repo is a prefix of external:/repo/agor-worktrees/a too: only this tree's own row.
          if (prefix === external && row.key !== external) continue;
          if ((JSON.parse(row.files) as string[]).some((f) => view.has(f))) continue;
          this.ctx.writes.write(`conflict ${row.id} resolved`, () => {
            if (writeTx(this.ctx.db, () => resolveConflict(this.ctx.db, row.id, Date.now()))) this.changed(JSON.parse(row.agents) as string[]);
          });
        }
      }
    });
  }

  /** Records a sighting; a new or re-opened conflict (or new files on an open one) is told. */
  private record(s: ConflictSighting): void {
    if (this.stopped) return;
    this.ctx.writes.write(`conflict ${s.kind}`, () => {
      const { row, change } = writeTx(this.ctx.db, () => recordConflict(this.ctx.db, s));
      if (change === 'same') return;
      const agents = JSON.parse(row.agents) as string[];
      const files = JSON.parse(row.files) as string[];
      this.ctx.emit({ event: 'conflict', at: iso(s.at)!, id: row.id, kind: row.kind, agents, files });
      this.ctx.audit('conflict', { id: row.id, kind: row.kind, agents, files, change, tree: row.tree });
      this.changed(agents);
    });
  }

  /** The agents' attention changed: their saved state (and so the dashboard) follows. */
  private changed(agents: string[]): void {
    for (const a of agents) {
      const slot = this.ctx.slots.get(a);
      if (slot) this.ctx.persist(slot);
    }
  }

  /** Checks every repository with agents in two or more worktrees; one check at a time. */
  private async mergeCheck(where: Map<string, TreeLoc>): Promise<void> {
    if (this.merging) return;
    this.merging = true;
    this.mergeDue = false;
    this.lastMerge = Date.now();
    try {
      const repos = new Map<string, Map<string, Worktree>>();
      for (const [agent, loc] of where) {
        const slot = this.ctx.slots.get(agent);
        if (!slot?.enabled) continue;
        const trees = repos.get(loc.common) ?? new Map<string, Worktree>();
        const t = trees.get(loc.top) ?? { top: loc.top, agents: [] };
        t.agents.push(agent);
        trees.set(loc.top, t);
        repos.set(loc.common, trees);
      }
      for (const [repo, trees] of repos) {
        if (trees.size < 2) continue;
        const check = await checkRepo(repo, [...trees.values()], this.cache).catch(
          (err: Error) => ({ conflicts: [], checked: [], errors: [err.message], merged: 0 }) as RepoCheck,
        );
        for (const e of check.errors) this.logOnce(e);
        this.mergeResults(repo, check);
      }
    } finally {
      this.merging = false;
      this.lastMerge = Date.now();
    }
  }

  private mergeResults(repo: string, check: RepoCheck): void {
    const keyOf = (a: Worktree, b: Worktree) => `merge:${[a.top, b.top].sort().join('\0')}`;
    const now = Date.now();
    const seen = new Set<string>();
    for (const c of check.conflicts) {
      const key = keyOf(c.a, c.b);
      seen.add(key);
      this.record({ key, kind: 'merge', tree: repo, agents: [...c.a.agents, ...c.b.agents], files: c.files, sig: c.sig, replace: true, at: now });
    }
    const checked = new Set(check.checked.map(([a, b]) => keyOf(a, b)));
    if (this.stopped) return;
    this.ctx.safe('conflicts', () => {
      for (const row of unresolvedConflicts(this.ctx.db, 'merge:')) {
        // Resolved: the pair was checked and merges now (someone resolved it).
        if (row.tree !== repo || seen.has(row.key) || !checked.has(row.key)) continue;
        this.ctx.writes.write(`conflict ${row.id} resolved`, () => {
          if (writeTx(this.ctx.db, () => resolveConflict(this.ctx.db, row.id, Date.now()))) this.changed(JSON.parse(row.agents) as string[]);
        });
      }
    });
  }
}

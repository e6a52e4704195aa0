/**
 * Who changed which file of a working tree that several agents share: a pure tracker fed
 * by the agents' JSON logs (a tool call that writes a file claims it) and by git's view of
 * the tree (each changed file with its size and mtime, so a second write is seen too).
 *
 * Attribution of a change git sees: a file claimed by a tool call within CLAIM_TTL_MS is
 * its claimers'; else the agent's whose run was live when the file was written (its
 * mtime), when that was exactly one; else the running agent's when exactly one agent of
 * the tree ran since the last look; with none running it is external. With several
 * running and no claim nobody can tell who wrote it: the change is left unattributed
 * rather than pinned on an agent that may not have made it (agents that write JSON logs
 * are attributed by their tool calls, so this only costs plain programs running at once).
 */

/** A claim by a tool call stays good this long: the call is logged before its tool writes. */
export const CLAIM_TTL_MS = 30_000;

/** Something the tracker noticed about one file. */
export type Finding =
  /** Two or more agents changed the file. */
  | { kind: 'overlap'; file: string; agents: string[] }
  /** A change while no agent of the tree ran; `agents` changed it before. */
  | { kind: 'external'; file: string; agents: string[] }
  /** The file has no change any more (committed, reverted): who changed it is forgotten. */
  | { kind: 'clean'; file: string };

/** git's view of a working tree: each changed path (relative to its top) and a signature of its content. */
export type TreeView = Map<string, string>;

export class OverlapTracker {
  private view: TreeView | null = null;
  private readonly touched = new Map<string, Set<string>>();
  private readonly claims = new Map<string, Map<string, number>>();

  /** The agents that changed `file` since it was last clean. */
  touchers(file: string): string[] {
    return [...(this.touched.get(file) ?? [])].sort();
  }

  private touch(agent: string, file: string): Finding[] {
    let set = this.touched.get(file);
    if (!set) this.touched.set(file, (set = new Set()));
    set.add(agent);
    return set.size > 1 ? [{ kind: 'overlap', file, agents: [...set].sort() }] : [];
  }

  /** A tool call of `agent` changes `file` (relative to the tree's top): the change is its. */
  claim(agent: string, file: string, now: number): Finding[] {
    let m = this.claims.get(file);
    if (!m) this.claims.set(file, (m = new Map()));
    m.set(agent, now);
    return this.touch(agent, file);
  }

  /**
   * git's view now, with the agents of the tree that ran since the last view. The first
   * view is the baseline: what was changed before anyone watched is nobody's, except the
   * files `fresh` says were written since watching began (a first look that came late).
   */
  observe(
    view: TreeView,
    active: readonly string[],
    now: number,
    o: { fresh?: (file: string) => boolean; writers?: (file: string) => readonly string[] | null } = {},
  ): Finding[] {
    const { fresh, writers } = o;
    const before = this.view;
    this.view = view;
    const out: Finding[] = [];
    for (const [file, m] of this.claims) {
      for (const [a, at] of m) if (now - at > CLAIM_TTL_MS) m.delete(a);
      if (!m.size) this.claims.delete(file);
    }
    for (const [file, sig] of view) {
      if (before ? before.get(file) === sig : !fresh?.(file)) continue;
      const claimed = this.claims.get(file);
      if (claimed?.size) continue; // its claimers were recorded when they claimed it
      // The runs live when the file was written decide when they can; else who ran since the last look.
      const live = writers?.(file) ?? [];
      if (live.length > 1) continue;
      const who = live.length ? live : active;
      if (who.length === 1) out.push(...this.touch(who[0]!, file));
      else if (who.length === 0) out.push({ kind: 'external', file, agents: this.touchers(file) });
    }
    for (const file of before?.keys() ?? []) {
      if (view.has(file)) continue;
      this.touched.delete(file);
      out.push({ kind: 'clean', file });
    }
    return out;
  }
}

/** Log followers (`agor logs -f`): what each connection has been sent of which run's log, and the pump that sends more. */
import type { Socket } from 'node:net';
import { type Run, iso } from './context.js';
import { readFrom } from './logs.js';
import type { Event } from './protocol.js';
import type { Scrubber } from '../secrets/scrub.js';

/** How often followed logs are read for new output. */
const FOLLOW_MS = 250;

interface Follower {
  conn: Socket;
  agent: string;
  /** The run asked for by id; null: the agent's runs, each as it starts. */
  fixedRun: string | null;
  runId: string | null;
  path: string | null;
  offset: number;
}

export class Followers {
  private readonly all = new Set<Follower>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Sends one event to one connection. */
    private readonly send: (conn: Socket, ev: Event) => void,
    /** The agent's current run, if any. */
    private readonly currentRun: (agent: string) => Run | null,
    private readonly now: () => number,
    /** What a run's output passes through before it is sent. */
    private readonly scrub: (runId: string) => Scrubber,
  ) {}

  /** Follows `agent` (or only run `fixedRun`) from byte `offset` of `path`. */
  add(f: Follower): void {
    this.all.add(f);
    this.timer ??= setInterval(() => this.pump(), FOLLOW_MS);
  }

  private pump(): void {
    for (const f of this.all) {
      if (f.conn.destroyed) {
        this.all.delete(f);
        continue;
      }
      const run = this.currentRun(f.agent);
      if (!f.fixedRun && run && run.id !== f.runId) {
        if (f.path) this.push(f, readFrom(f.path, f.offset).text);
        f.runId = run.id;
        f.path = run.logPath;
        f.offset = 0;
      }
      if (!f.path) continue;
      const r = readFrom(f.path, f.offset);
      f.offset = r.offset;
      this.push(f, r.text);
    }
    if (!this.all.size) this.stop();
  }

  /** Followers of an agent (not of one run) move to its new run as it starts. */
  switchTo(agent: string, run: Run): void {
    for (const f of this.all) {
      if (f.agent !== agent || f.fixedRun) continue;
      if (f.path && f.runId !== run.id) this.push(f, readFrom(f.path, f.offset).text);
      f.runId = run.id;
      f.path = run.logPath;
      f.offset = 0;
    }
  }

  /** Sends followers of a run what it wrote before it ended, short runs included. */
  flush(run: Run): void {
    for (const f of this.all) {
      if (f.runId !== run.id || !f.path) continue;
      const r = readFrom(f.path, f.offset, 1024 * 1024, true);
      f.offset = r.offset;
      this.push(f, r.text);
    }
  }

  private push(f: Follower, text: string): void {
    if (!text || !f.runId) return;
    this.send(f.conn, { event: 'log', at: iso(this.now())!, agent: f.agent, run: f.runId, text: this.scrub(f.runId)(text) });
  }

  /** Forgets the followers of a connection (closed, or unsubscribed). */
  drop(conn: Socket): void {
    for (const f of this.all) if (f.conn === conn) this.all.delete(f);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

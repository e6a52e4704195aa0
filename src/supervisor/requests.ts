/** The control socket's requests: hello, list, start, stop, restart, wake, logs, subscribe, unsubscribe, reload, shutdown. */
import { statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { conflict, notFound, usage } from '../core/errors.js';
import { ADMIN } from '../core/roles.js';
import { getAgent } from '../db/agents.js';
import * as R from '../db/runs.js';
import { type Ctx, type Slot, restState } from './context.js';
import type { Followers } from './followers.js';
import { type AgentView, PROTOCOL_VERSION, type Request } from './protocol.js';
import type { Runs } from './runs.js';
import { type ControlServer, FileLines } from './socket.js';
import type { Wakeups } from './wakeups.js';
import { WAKE_TIMEOUT_MAX_MS, WAKE_TIMEOUT_MIN_MS, queueWake } from './wake.js';

/** The most log lines one request may ask for. */
const MAX_LOG_LINES = 100_000;

export interface RequestDeps {
  runs: Runs;
  wakeups: Wakeups;
  followers: Followers;
  server: () => ControlServer | null;
  list: () => AgentView[];
  shutdown: (why: string) => Promise<void>;
  /** Re-reads agor.yaml and applies (or with dryRun only plans) what changed. */
  reload: (dryRun: boolean) => Promise<unknown>;
}

/** A wake's own wall-clock limit: absent, or from 1 s to 7 days (queueWake's bounds, named in the protocol's terms). */
function wakeTimeout(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < WAKE_TIMEOUT_MIN_MS || v > WAKE_TIMEOUT_MAX_MS) {
    throw usage(`timeout_ms must be a whole number of milliseconds from ${WAKE_TIMEOUT_MIN_MS} (1 s) to ${WAKE_TIMEOUT_MAX_MS} (7 days)`);
  }
  return v;
}

export class Requests {
  constructor(
    private readonly ctx: Ctx,
    private readonly d: RequestDeps,
  ) {}

  private slotsOf(req: Request): Slot[] {
    const { slots, o } = this.ctx;
    const names = req.agents;
    if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== 'string')) throw usage('give agent ids in "agents": ["id", ...]');
    const unknown = (names as string[]).filter((n) => !slots.has(n));
    if (unknown.length) throw notFound(`no agent ${unknown.map((u) => `'${u}'`).join(', ')} in ${o.config.file}`, `agents: ${[...slots.keys()].join(', ')}`);
    return (names as string[]).map((n) => slots.get(n)!);
  }

  private viewsOf(slots: Slot[]): AgentView[] {
    return this.d.list().filter((v) => slots.some((s) => s.cfg.id === v.id));
  }

  async handle(req: Request, conn: Socket): Promise<unknown> {
    const { ctx, d } = this;
    if (ctx.shuttingDown() && req.op !== 'list' && req.op !== 'hello') throw conflict('the supervisor is shutting down');
    switch (req.op) {
      case 'hello':
        return { protocol: PROTOCOL_VERSION, pid: process.pid, group: ctx.o.config.group, config: ctx.o.config.file, db: ctx.o.dbPath };
      case 'list':
        return d.list();
      case 'start': {
        const slots = this.slotsOf(req);
        for (const s of slots) {
          s.enabled = true;
          if (s.state === 'failed') ((s.state = restState(s)), (s.health = 'healthy'), (s.attempts = 0));
          ctx.persist(s);
          if (s.run || s.timer) continue;
          ctx.audit('agent_start', { agent: s.cfg.id });
          if (s.cfg.mode === 'service') d.runs.start(s, 'start', null);
          else d.wakeups.deliverManual(s, 'agor start');
        }
        return this.viewsOf(slots);
      }
      case 'stop': {
        const slots = this.slotsOf(req);
        await Promise.all(
          slots.map((s) => {
            s.enabled = false;
            if (s.timer) (clearTimeout(s.timer), (s.timer = null), (s.nextStartAt = null));
            ctx.startQueue = ctx.startQueue.filter((q) => q !== s.cfg.id);
            ctx.audit('agent_stop', { agent: s.cfg.id });
            // Saved now, so a supervisor killed during the stop still knows it was asked.
            ctx.persist(s);
            if (!s.run) {
              if (s.state !== 'failed') s.state = 'inactive';
              ctx.persist(s);
              ctx.emitState(s, 'stopped');
              return Promise.resolve();
            }
            return d.runs.stop(s, 'stop');
          }),
        );
        return this.viewsOf(slots);
      }
      case 'restart': {
        const slots = this.slotsOf(req);
        await Promise.all(
          slots.map(async (s) => {
            s.enabled = true;
            ctx.audit('agent_restart', { agent: s.cfg.id });
            ctx.persist(s);
            if (s.timer) (clearTimeout(s.timer), (s.timer = null), (s.nextStartAt = null));
            if (s.run) return d.runs.stop(s, 'restart');
            s.attempts = 0;
            s.health = 'healthy';
            s.state = restState(s);
            if (s.cfg.mode === 'service') d.runs.start(s, 'restart', null);
            else d.wakeups.deliverManual(s, 'agor restart');
          }),
        );
        return this.viewsOf(slots);
      }
      case 'wake':
        return this.wake(req);
      case 'logs':
        return this.logs(req, conn);
      case 'subscribe':
        d.server()?.subscribe(conn);
        return { subscribed: true };
      case 'unsubscribe':
        d.server()?.unsubscribe(conn);
        d.followers.drop(conn);
        return { subscribed: false };
      case 'reload':
        if (req.dry_run !== undefined && typeof req.dry_run !== 'boolean') throw usage('dry_run must be true or false');
        return d.reload(req.dry_run === true);
      case 'shutdown':
        await d.shutdown('agor down');
        return { stopped: true };
      default:
        throw usage(`unknown op '${String((req as { op?: unknown }).op)}'`);
    }
  }

  private async wake(req: Request): Promise<R.WakeRow> {
    const { ctx } = this;
    const agent = typeof req.agent === 'string' ? req.agent : '';
    if (!ctx.slots.has(agent)) throw notFound(`no agent '${agent}' in ${ctx.o.config.file}`);
    const wake = {
      agent,
      reason: 'manual' as const,
      detail: typeof req.reason === 'string' ? req.reason : null,
      prompt: typeof req.prompt === 'string' ? req.prompt : null,
      timeoutMs: wakeTimeout(req.timeout_ms),
      // The socket is 0600: whoever is on it is the operator.
      by: ADMIN,
    };
    let w!: R.WakeRow;
    await ctx.patientWrite(
      `a wake of ${agent}`,
      () => {
        w = queueWake(ctx.db, wake);
      },
      30_000,
    );
    this.d.wakeups.check();
    return w;
  }

  private logs(req: Request, conn: Socket): FileLines {
    const { db } = this.ctx;
    const agent = typeof req.agent === 'string' ? req.agent : '';
    const slot = this.ctx.slots.get(agent);
    if (!slot && !getAgent(db, agent)) throw notFound(`no agent '${agent}'`);
    const n = typeof req.lines === 'number' && req.lines >= 0 ? Math.min(req.lines, MAX_LOG_LINES) : 50;
    let run: R.RunRow | undefined;
    if (typeof req.run === 'string' && req.run) {
      const ids = R.runIdsByPrefix(db, req.run).filter((id) => R.getRun(db, id)?.agent === agent);
      if (ids.length !== 1) throw ids.length ? usage(`run prefix '${req.run}' is ambiguous`) : notFound(`no run '${req.run}' of ${agent}`);
      run = R.getRun(db, ids[0]!);
    } else run = R.latestRun(db, agent);
    const path = run?.log_path ?? null;
    let end = 0;
    try {
      end = path ? statSync(path).size : 0;
    } catch {
      /* none yet */
    }
    if (req.follow === true && !conn.destroyed) {
      this.d.followers.add({ conn, agent, fixedRun: typeof req.run === 'string' && req.run ? (run?.id ?? null) : null, runId: run?.id ?? null, path, offset: end });
    }
    // The lines up to `end`, read from the file by the socket as the client reads them.
    return new FileLines({ agent, run: run?.id ?? null, path }, path, n, end, this.ctx.scrub(run?.id ?? null));
  }
}

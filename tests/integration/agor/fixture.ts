import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, createConnection } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { ROOT, type RunOptions, type RunResult, json, runAsync, sql, tempDb } from '../../helpers/cli.js';
import { alive, groupMembers, processesMentioning } from '../../helpers/proc.js';
import { sleep, waitFor } from '../../helpers/wait.js';
import { LineSplitter } from '../../../src/supervisor/jsonlines.js';
import type { WakeRow } from '../../../src/db/runs.js';
import type { AgentView, Event } from '../../../src/supervisor/protocol.js';
import type { RunView } from '../../../src/supervisor/views.js';
import type { Detached } from '../../../src/supervisor/up.js';

export type { AgentView, Event, RunView, WakeRow };
export { alive, groupMembers, processesMentioning, sleep, sql, waitFor };

/** The documented exit codes, spelled out so a change to them fails these tests. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_FOUND: 3, NOT_PERMITTED: 4, CONFLICT: 5, TIMEOUT: 6, BUSY: 7 } as const;

export const AGOR = join(ROOT, 'dist', 'agor.cjs');
export const BTMSG = join(ROOT, 'dist', 'btmsg.cjs');
export const BTTASK = join(ROOT, 'dist', 'bttask.cjs');

/**
 * The built binaries as words of an agent's `sh -c` script. Every agent gets T_NODE,
 * T_AGOR and T_BTMSG in its env, as a user's PATH would give it agor and btmsg.
 */
export const AGOR_SH = '"$T_NODE" "$T_AGOR"';
export const BTMSG_SH = '"$T_NODE" "$T_BTMSG"';

/** argv running `script` in sh. */
export const sh = (script: string): string[] => ['sh', '-c', script];

/** An agent's entry in agor.yaml, with the keys as the file spells them. */
export type AgentSpec = { command: string[] } & Record<string, unknown>;

export interface GroupSpec {
  group?: string;
  max_concurrent?: number;
  agents: Record<string, AgentSpec>;
}

/** agor.yaml text for `spec`; every agent gets the T_* variables of AGOR_SH and BTMSG_SH. */
export function yamlOf(spec: GroupSpec): string {
  const agents = Object.fromEntries(
    Object.entries(spec.agents).map(([id, a]) => [
      id,
      { ...a, env: { T_NODE: process.execPath, T_AGOR: AGOR, T_BTMSG: BTMSG, ...((a.env as Record<string, string>) ?? {}) } },
    ]),
  );
  return stringify(
    { group: spec.group ?? 'test', ...(spec.max_concurrent ? { max_concurrent: spec.max_concurrent } : {}), agents },
    // Spelled out in full where a test reuses one object; anchors are tested on their own.
    { aliasDuplicateObjects: false },
  );
}

export type { Detached };

type OnFinished = (fn: () => void | Promise<void>) => void;

/** A line of the control socket: a response or an event. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Line = Record<string, any>;

/** A raw control-socket connection: what the test writes goes out as is. */
export class Control {
  readonly lines: Line[] = [];
  /** Resolves when the connection has closed, from either end. */
  readonly closed: Promise<void>;
  private nextId = 1000;
  private readonly split = new LineSplitter();
  private constructor(private readonly sock: Socket) {
    this.closed = new Promise((r) => sock.once('close', () => r()));
    sock.on('data', (chunk: Buffer) => {
      for (const line of this.split.take(chunk)) if (line) this.lines.push(JSON.parse(line) as Line);
    });
    sock.on('error', () => undefined);
  }

  static open(path: string): Promise<Control> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => resolve(new Control(sock)));
      sock.once('error', reject);
    });
  }

  write(raw: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.write(raw, (err) => (err ? reject(err) : resolve())));
  }

  /** Waits for the first line (response or event) that `pred` accepts. */
  next(what: string, pred: (l: Line) => boolean, timeout = 10_000): Promise<Line> {
    return waitFor(
      what,
      () => this.lines.find(pred),
      (l) => l !== undefined,
      { timeout, interval: 20 },
    ) as Promise<Line>;
  }

  /** Sends one request and returns its response (ok or not). */
  async request(op: string, args: Record<string, unknown> = {}, timeout = 10_000): Promise<Line> {
    const id = this.nextId++;
    await this.write(JSON.stringify({ ...args, id, op }) + '\n');
    return this.next(`the answer to ${op} #${id}`, (l) => l.id === id && 'ok' in l, timeout);
  }

  get destroyed(): boolean {
    return this.sock.destroyed;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A supervisor run in the foreground, with its stdout as lines. */
export interface Foreground {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitLine(what: string, pred: (line: string) => boolean, timeout?: number): Promise<string>;
}

/** One test's supervised group: its directory, database, agor.yaml and the calls on them. */
export interface Group {
  dir: string;
  db: string;
  file: string;
  socket: string;
  /** (Re)writes agor.yaml and returns its path. */
  write(spec: GroupSpec | string): string;
  /** agor with --db of this group. */
  agor(args: string[], o?: RunOptions): Promise<RunResult>;
  /** agor … --json, expecting exit 0; its stdout as JSON. */
  ok<T>(args: string[], o?: RunOptions): Promise<T>;
  /** agor up -d --json: returns once the supervisor is ready. */
  up(env?: Record<string, string>): Promise<Detached>;
  down(): Promise<RunResult>;
  /** agor up in the foreground (extra args such as --json or --headless). */
  foreground(args: string[], env?: Record<string, string>): Foreground;
  ps(): Promise<AgentView[]>;
  agent(id: string): Promise<AgentView>;
  /** agor runs AGENT --json, oldest first. */
  runs(agent?: string): Promise<RunView[]>;
  /** Polls `agor ps` until the agent satisfies `pred`. */
  waitAgent(id: string, what: string, pred: (a: AgentView) => boolean, timeout?: number): Promise<AgentView>;
  /** Polls `agor runs` until the agent's runs (oldest first) satisfy `pred`. */
  waitRuns(agent: string, what: string, pred: (rs: RunView[]) => boolean, timeout?: number): Promise<RunView[]>;
  /** The agent's wakes, straight from the table, oldest first. */
  wakes(agent: string): WakeRow[];
  /** The whole log of a run. */
  logOf(run: RunView): string;
  /** Opens a connection to the control socket. */
  connect(): Promise<Control>;
}

/**
 * A fresh group in a temporary directory, torn down when the test finishes: `agor down`,
 * then SIGKILL (by pid) to anything still running that names the test's directory in its
 * command line or environment (supervisors, agents, their children), then the directory.
 * Pass the test context's onTestFinished, which also works for concurrent tests.
 */
export function group(onTestFinished: OnFinished, spec?: GroupSpec | string): Group {
  const t = tempDb();
  const file = join(t.dir, 'agor.yaml');
  const socket = `${t.db}.sock`;
  const controls: Control[] = [];
  const foregrounds: ChildProcessWithoutNullStreams[] = [];
  let started = false;

  const agor = (args: string[], o: RunOptions = {}) => {
    if (args[0] === 'up') started = true;
    return runAsync('agor', [...args, '--db', t.db], { timeout: 30_000, ...o });
  };
  const ok = async <T>(args: string[], o: RunOptions = {}): Promise<T> => {
    const r = await agor([...args, '--json'], o);
    expect(r.code, `agor ${args.join(' ')}: exit ${r.code}; stderr: ${r.stderr}`).toBe(0);
    return json<T>(r);
  };
  const runs = async (agent?: string) => (await ok<RunView[]>(['runs', ...(agent ? [agent] : []), '-n', '1000'])).reverse();
  const ps = () => ok<AgentView[]>(['ps']);
  const agent = async (id: string) => {
    const a = (await ps()).find((x) => x.id === id);
    if (!a) throw new Error(`agor ps does not list ${id}`);
    return a;
  };

  const g: Group = {
    dir: t.dir,
    db: t.db,
    file,
    socket,
    write(s) {
      writeFileSync(file, typeof s === 'string' ? s : yamlOf(s));
      return file;
    },
    agor,
    ok,
    async up(env = {}) {
      return ok<Detached>(['up', '-d', '-f', file], { env });
    },
    down: () => agor(['down']),
    foreground(args, env = {}) {
      started = true;
      const child = spawn(process.execPath, [AGOR, 'up', '-f', file, '--db', t.db, ...args], {
        env: { ...process.env, NO_COLOR: '1', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      foregrounds.push(child);
      const lines: string[] = [];
      // Waiters see each line as it arrives, so a test can act on it at once.
      const waiters = new Set<{ pred: (l: string) => boolean; resolve: (l: string) => void }>();
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        let nl;
        while ((nl = out.indexOf('\n')) !== -1) {
          const line = out.slice(0, nl);
          lines.push(line);
          out = out.slice(nl + 1);
          for (const w of waiters) if (w.pred(line)) (waiters.delete(w), w.resolve(line));
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
      return {
        child,
        lines,
        stderr: () => err,
        exited,
        waitLine: (what, pred, timeout = 10_000) => {
          const seen = lines.find(pred);
          if (seen !== undefined) return Promise.resolve(seen);
          return new Promise<string>((resolve, reject) => {
            const w = { pred, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
            const timer = setTimeout(() => {
              waiters.delete(w);
              reject(new Error(`timed out after ${timeout} ms waiting for ${what}; stdout so far:\n${lines.join('\n')}\nstderr:\n${err}`));
            }, timeout);
            waiters.add(w);
          });
        },
      };
    },
    ps,
    agent,
    runs,
    waitAgent: (id, what, pred, timeout = 10_000) => waitFor(`${id} ${what}`, () => agent(id), pred, { timeout, interval: 150 }),
    waitRuns: (a, what, pred, timeout = 10_000) => waitFor(`runs of ${a}: ${what}`, () => runs(a), pred, { timeout, interval: 150 }),
    wakes: (a) => sql(t.db, (db) => db.prepare('SELECT * FROM wakes WHERE agent = ? ORDER BY id').all(a) as WakeRow[]),
    logOf: (r) => readFileSync(r.log_path!, 'utf8'),
    async connect() {
      const c = await Control.open(socket);
      controls.push(c);
      return c;
    },
  };
  if (spec !== undefined) g.write(spec);

  onTestFinished(async () => {
    for (const c of controls) c.close();
    if (started) await agor(['down'], { timeout: 8000 }).catch(() => undefined);
    for (const c of foregrounds) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Anything left is a leak the tests that look for one report; here it only must not outlive the test.
    const left = processesMentioning(t.dir);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (left.length)
      await waitFor(
        'leftover processes to die',
        () => left.filter(alive),
        (l) => l.length === 0,
        { timeout: 5000, interval: 50 },
      ).catch(() => undefined);
    rmSync(t.dir, { recursive: true, force: true });
  });
  return g;
}

/** Waits until `pid` has exited (or is a zombie). */
export const waitGone = (pid: number, what: string, timeout = 5000) =>
  waitFor(
    `${what} (pid ${pid}) to exit`,
    () => alive(pid),
    (a) => !a,
    { timeout, interval: 50 },
  );

/** Waits until process group `pgid` has no live member; returns what was left at the end. */
export const waitGroupGone = (pgid: number, what: string, timeout = 5000) =>
  waitFor(
    `every process of ${what} (group ${pgid}) to exit`,
    () => groupMembers(pgid),
    (m) => m.length === 0,
    { timeout, interval: 50 },
  );

/** Milliseconds since the epoch of an ISO time the supervisor printed. */
export const ms = (iso: string | null): number => {
  if (iso === null) throw new Error('expected a time, got null');
  return Date.parse(iso);
};

/** Expects a refusal: the exit code, and `message` on stderr's first line. */
export function refused(r: RunResult, code: number, message: RegExp): void {
  expect({ code: r.code, stderr: r.stderr.split('\n')[0] }, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toEqual({ code, stderr: expect.stringMatching(message) });
}

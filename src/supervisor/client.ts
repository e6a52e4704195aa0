import { createConnection, type Socket } from 'node:net';
import { UserError } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { type SupervisorRow, getSupervisor } from '../db/runs.js';
import { isSameProcess } from './proc.js';
import { LineSplitter } from './jsonlines.js';
import type { Event, Op, Response } from './protocol.js';

/** The supervisor holding `db`, when one is alive (pid and start time both match). */
export function liveSupervisor(db: Db): SupervisorRow | null {
  const row = getSupervisor(db);
  return row && isSameProcess(row.pid, row.pid_start, row.boot_id) ? row : null;
}

/** A control-socket connection: requests answered by id, events to a listener. */
export class ControlClient {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** A large answer comes in many pieces. */
  private readonly lines = new LineSplitter();
  onEvent: (ev: Event) => void = () => undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (chunk: Buffer) => {
      for (const line of this.lines.take(chunk)) if (line) this.dispatch(JSON.parse(line) as Response | Event);
    });
    this.closed = new Promise((r) =>
      sock.on('close', () => {
        for (const w of this.waiting.values()) w.reject(new UserError('the supervisor closed the connection'));
        this.waiting.clear();
        r();
      }),
    );
    sock.on('error', () => undefined);
  }

  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => resolve(new ControlClient(sock)));
      sock.once('error', (err) => reject(new UserError(`cannot reach the supervisor at ${path}: ${err.message}`, 'is agor up running? agor ps tells')));
    });
  }

  private dispatch(msg: Response | Event): void {
    if ('event' in msg) return this.onEvent(msg);
    const w = typeof msg.id === 'number' ? this.waiting.get(msg.id) : undefined;
    if (!w) return;
    this.waiting.delete(msg.id as number);
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new UserError(msg.error.message, msg.error.hint, msg.error.exit as never));
  }

  request<T = unknown>(op: Op, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.sock.write(JSON.stringify({ ...args, id, op }) + '\n');
    });
  }

  close(): void {
    this.sock.end();
  }
}

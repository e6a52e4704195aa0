import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** How one binary call ended, and what it printed. */
export interface CallResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The processes of one self-test: the built binaries, run on the test's own database, each
 * tracked by pid so that an interrupt ends every one still running.
 */
export class Procs {
  readonly live = new Set<number>();
  started = 0;
  private stopped = false;

  constructor(
    private readonly binDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs `bin` (agor, btmsg, bttask) as agent `as` on database `db`. */
  run(bin: string, args: string[], db: string, as: string | null, timeoutMs = 120_000): Promise<CallResult> {
    if (this.stopped) return Promise.resolve({ code: -1, stdout: '', stderr: 'interrupted' });
    const env: NodeJS.ProcessEnv = { ...this.env, AGOR_DB: db, NO_COLOR: '1' };
    // The user's identity and run must not leak into the test's calls.
    for (const k of ['BTMSG_AGENT_ID', 'AGOR_AGENT', 'AGOR_RUN_ID', 'FORCE_COLOR']) delete env[k];
    if (as) env.BTMSG_AGENT_ID = as;
    const child = spawn(process.execPath, [join(this.binDir, `${bin}.cjs`), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.started++;
    const pid = child.pid;
    if (pid !== undefined) this.live.add(pid);
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => (stderr += String(e)));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (pid !== undefined) this.live.delete(pid);
        resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
      });
    });
  }

  /** Ends every process still running (SIGKILL, by pid) and refuses new ones. */
  stop(): void {
    this.stopped = true;
    for (const pid of this.live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  get interrupted(): boolean {
    return this.stopped;
  }
}

/** The first line of a call's stderr, for a check's detail. */
export const firstLine = (r: CallResult): string => r.stderr.trim().split('\n')[0] ?? '';

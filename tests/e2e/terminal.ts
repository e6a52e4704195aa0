// The terminal of the end-to-end tests: tmux on a private socket, read with capture-pane
// and typed into with send-keys; and what the dashboard's screen says.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sleep } from '../helpers/wait.js';

/** What runs inside the terminal gets this, and nothing of the test runner's environment. */
export const TERMINAL_ENV = { TERM: 'xterm-256color', LANG: 'C.UTF-8' };

/** The environment of the tmux client (and so of its server): a fresh login's, node on PATH. */
function tmuxEnv(): NodeJS.ProcessEnv {
  const path = process.env.PATH ?? '/usr/bin:/bin';
  const nodeDir = dirname(process.execPath);
  return {
    PATH: path.split(':').includes(nodeDir) ? path : `${nodeDir}:${path}`,
    HOME: process.env.HOME ?? '/',
    ...TERMINAL_ENV,
  };
}

let terminals = 0;

/** What the terminal's sh prints when the command exits. */
const EXIT_STATUS = /^\[exit status (\d+)\]$/m;

/**
 * One terminal: a tmux server on a private socket (-L, unique per test) holding one
 * session of `columns` x `rows`. The pane stays after its command exits
 * (remain-on-exit), so the last screen and the exit status can still be read.
 */
export class Terminal {
  readonly socket = `agor-e2e-${process.pid}-${++terminals}`;
  private readonly t0 = Date.now();

  constructor(
    readonly label: string,
    public columns: number,
    public rows: number,
  ) {}

  private tmux(args: string[], check = true): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: tmuxEnv(), timeout: 10_000 });
    if (check && r.status !== 0) throw new Error(`tmux ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  /**
   * Starts `argv` in the terminal, with `env` added. A small sh runs it and then prints
   * its exit status on the screen: tmux can take seconds to reap a pane's process, and
   * until then it does not know the status.
   */
  start(argv: string[], env: Record<string, string> = {}): void {
    const pairs = Object.entries({ ...TERMINAL_ENV, ...env }).map(([k, v]) => `${k}=${v}`);
    // One tmux call: start the server without a config file, keep dead panes, open the session.
    this.tmux([
      '-f',
      '/dev/null',
      'start-server',
      ';',
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
      ';',
      'new-session',
      '-d',
      '-s',
      'e2e',
      '-x',
      String(this.columns),
      '-y',
      String(this.rows),
      'sh',
      '-c',
      'env "$@"; echo "[exit status $?]"',
      'sh',
      ...pairs,
      ...argv,
    ]);
  }

  /** The screen as text, one string per row (tmux trims trailing blanks). */
  screen(): string {
    return this.tmux(['capture-pane', '-p', '-t', 'e2e']).replace(/\n+$/, '');
  }

  lines(): string[] {
    return this.screen().split('\n');
  }

  /** Sends one key by its tmux name (Down, Tab, BTab, Escape) or as a literal character. */
  key(k: string): void {
    this.tmux(['send-keys', '-t', 'e2e', k]);
  }

  /** Sends several keys with one send-keys, which writes them to the terminal at once (as ssh may). */
  keys(...ks: string[]): void {
    this.tmux(['send-keys', '-t', 'e2e', ...ks]);
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.tmux(['resize-window', '-t', 'e2e', '-x', String(columns), '-y', String(rows)]);
  }

  /** Copies from now on all the program writes to the terminal (a bell too, which no screen shows) to `file`. */
  pipeOutput(file: string): void {
    this.tmux(['pipe-pane', '-o', '-t', 'e2e', `cat >> '${file.replace(/'/g, "'\\''")}'`]);
  }

  /** The tmux server's pid. */
  serverPid(): number {
    return Number(this.tmux(['display-message', '-p', '-t', 'e2e', '#{pid}']).trim());
  }

  /** Whether the command has exited (its status is on the screen). */
  hasExited(): boolean {
    return EXIT_STATUS.test(this.screen());
  }

  /** Waits for the command to exit and returns its exit status. */
  async exited(what: string, timeout = 10_000): Promise<number> {
    const s = await this.waitFor(what, (x) => EXIT_STATUS.test(x), timeout);
    return Number(EXIT_STATUS.exec(s)![1]);
  }

  /** Polls the screen until `ok` holds; on time-out fails with the last screen. */
  async waitFor(what: string, ok: (screen: string) => boolean, timeout = 10_000): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const s = this.screen();
      if (ok(s)) return s;
      if (Date.now() > deadline) {
        this.show(`TIMED OUT waiting for ${what}`, s);
        throw new Error(`[${this.label}] timed out after ${timeout} ms waiting for ${what}; the screen:\n${s}`);
      }
      await sleep(100);
    }
  }

  /** Presses `k`, then waits until the screen shows what it should. */
  async press(k: string, what: string, ok: (screen: string) => boolean, timeout = 5000): Promise<string> {
    this.key(k);
    return this.waitFor(`${what} (after ${k})`, ok, timeout);
  }

  /** Prints the screen under a heading: the record of what the operator saw at this step. */
  show(step: string, screen = this.screen()): string {
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1);
    const rule = '─'.repeat(Math.max(10, this.columns));
    console.log(`\n┌─ [${this.label} ${this.columns}x${this.rows}, +${secs} s] ${step}\n${rule}\n${screen}\n${rule}`);
    return screen;
  }

  /** Stops the server and removes its socket file (tmux leaves it behind). */
  kill(): void {
    this.tmux(['kill-server'], false);
    rmSync(join('/tmp', `tmux-${process.getuid!()}`, this.socket), { force: true });
  }
}

export const VIEW_KEYS: Record<string, string> = { Fleet: '1', Board: '2', Comms: '3', Runs: '4', Audit: '5', Logs: '6', Approvals: '7', Conflicts: '8' };

/**
 * A whole frame of `view`: its name in the title bar and, on the help line (the last
 * row), the view's tab marked current, so a frame caught half drawn does not count.
 */
export const titleIs = (view: string) => (s: string) => {
  const lines = s.split('\n');
  const help = lines[lines.length - 1] ?? '';
  return lines[0]!.startsWith(`agor ${view} `) && /q quit/.test(help) && (view === 'Help' || help.includes(`[${VIEW_KEYS[view]} ${view}]`));
};

/** The state column of an agent's row in the Fleet table, or null when it has no row. */
export function rowState(screen: string, id: string): string | null {
  const m = new RegExp(`^[› ] \\S\\s+${id}\\s+(\\w+)\\s`, 'm').exec(screen);
  return m ? m[1]! : null;
}

export function terminal(onTestFinished: (fn: () => void) => void, label: string, columns: number, rows: number): Terminal {
  const term = new Terminal(label, columns, rows);
  onTestFinished(() => term.kill());
  return term;
}

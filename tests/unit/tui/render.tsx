import { cleanup, render } from 'ink-testing-library';
import { afterEach } from 'vitest';
import { App } from '../../../src/tui/app.js';
import type { DataSource } from '../../../src/tui/source.js';

/** What the terminal sends for each key. */
export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  backspace: '\x7f',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
} as const;

/** A UTF-8 terminal without colour: the default of these tests. */
export const UTF8: NodeJS.ProcessEnv = { LANG: 'en_US.UTF-8', NO_COLOR: '1' };

export interface RenderOptions {
  columns?: number;
  rows?: number;
  env?: NodeJS.ProcessEnv;
  onExit?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => cleanup());

/**
 * Renders the dashboard over `source` in a fake terminal of the given size, and returns
 * ways to read the screen, press keys, wait for text and resize.
 */
export async function renderApp(source: DataSource, o: RenderOptions = {}) {
  const r = render(<App source={source} onExit={o.onExit} env={o.env ?? UTF8} />);
  const resize = async (columns: number, rows: number) => {
    Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
    Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
    r.stdout.emit('resize');
    await sleep(10);
  };
  await resize(o.columns ?? 100, o.rows ?? 30);
  // Ink starts reading stdin in an effect; a key written before that would be lost.
  for (let i = 0; r.stdin.listenerCount('readable') === 0; i++) {
    if (i > 200) throw new Error('the dashboard never started reading its input');
    await sleep(10);
  }
  const frame = () => r.lastFrame() ?? '';
  return {
    ...r,
    frame,
    resize,
    /** Writes each key and lets Ink handle it (effects run, hooks re-register). */
    async press(...keys: string[]) {
      for (const k of keys) {
        r.stdin.write(k);
        await sleep(15);
      }
    },
    /** Types text as one chunk, as a paste would arrive. */
    async type(text: string) {
      r.stdin.write(text);
      await sleep(15);
    },
    /** Waits until the screen shows `text` (or the predicate holds); fails with the last frame. */
    async waitFor(what: string | ((f: string) => boolean), ms = 2000) {
      const ok = typeof what === 'string' ? (f: string) => f.includes(what) : what;
      const until = Date.now() + ms;
      while (!ok(frame())) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? JSON.stringify(what) : 'a condition'}; the screen:\n${frame()}`);
        await sleep(10);
      }
      return frame();
    },
  };
}

export { sleep };

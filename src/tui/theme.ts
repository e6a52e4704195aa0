import { createContext } from 'react';
import { colorLevel } from '../core/color.js';
import { clean } from './format.js';

/** What a colour means; the theme maps it to a colour, or to nothing under NO_COLOR. */
export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted' | 'accent' | 'title';

const TONE_COLOR: Record<Tone, string> = {
  ok: 'green',
  warn: 'yellow',
  bad: 'red',
  info: 'cyan',
  muted: 'gray',
  accent: 'magenta',
  title: 'blue',
};

export interface Glyphs {
  /** Marks the selected row (selection must be visible without colour). */
  cursor: string;
  ellipsis: string;
  /** A flagged (possibly prompt-injected) message. */
  flag: string;
  arrow: string;
  sep: string;
  /** The text cursor of the prompt line. */
  caret: string;
  up: string;
  down: string;
  leftRight: string;
  upDown: string;
  spark: readonly string[];
  border: 'round' | 'classic';
}

export interface Theme {
  unicode: boolean;
  color: boolean;
  /** Ink colour for a tone, or undefined when colour is off: pass it straight to <Text color>. */
  tone(t: Tone | null | undefined): string | undefined;
  /** Bold/inverse are escapes too: off with colour. */
  emphasis: boolean;
  dot(state: string): string;
  g: Glyphs;
  /** Display text from untrusted data: one line, no escapes, ASCII-only in ASCII mode. */
  text(s: string | null | undefined): string;
}

const UNICODE_DOTS: Record<string, string> = {
  running: '●',
  idle: '○',
  stalled: '◐',
  failed: '✗',
  dormant: '◌',
  inactive: '·',
};
const ASCII_DOTS: Record<string, string> = {
  running: '*',
  idle: 'o',
  stalled: '!',
  failed: 'x',
  dormant: '.',
  inactive: '-',
};

const UNICODE_GLYPHS: Glyphs = {
  cursor: '›',
  ellipsis: '…',
  flag: '⚠',
  arrow: '→',
  sep: '·',
  caret: '█',
  up: '↑',
  down: '↓',
  leftRight: '←→',
  upDown: '↑↓',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  border: 'round',
};
const ASCII_GLYPHS: Glyphs = {
  cursor: '>',
  ellipsis: '~',
  flag: '!',
  arrow: '->',
  sep: '|',
  caret: '_',
  up: '^',
  down: 'v',
  leftRight: '<>',
  upDown: '^v',
  spark: ['_', '.', ',', '-', '=', '+', '*', '#'],
  border: 'classic',
};

/**
 * Whether the terminal can show UTF-8: the locale that decides LC_CTYPE (LC_ALL, then
 * LC_CTYPE, then LANG; unset means the C locale) must name UTF-8, and the terminal must
 * not be a dumb one.
 */
export function utf8Terminal(env: NodeJS.ProcessEnv): boolean {
  if (env.TERM === 'dumb') return false;
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '') ?? '';
  return /utf-?8/i.test(locale);
}

export const STATE_TONE: Record<string, Tone> = {
  running: 'ok',
  idle: 'info',
  stalled: 'warn',
  failed: 'bad',
  dormant: 'muted',
  inactive: 'muted',
};
export const HEALTH_TONE: Record<string, Tone | undefined> = { healthy: 'ok', degraded: 'warn', failed: 'bad' };
export const PRIORITY_TONE: Record<string, Tone | undefined> = { critical: 'bad', high: 'warn', medium: undefined, low: 'muted' };
export const OUTCOME_TONE: Record<string, Tone | undefined> = {
  success: 'ok',
  partial: 'info',
  cancelled: 'muted',
  timeout: 'warn',
  failed: 'bad',
  blocked: 'warn',
};
export const TASK_STATE_TONE: Record<string, Tone | undefined> = {
  todo: undefined,
  progress: 'info',
  review: 'accent',
  done: 'ok',
  blocked: 'bad',
};

export function makeTheme(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): Theme {
  const unicode = utf8Terminal(env);
  const color = colorLevel(stream, env) > 0;
  const dots = unicode ? UNICODE_DOTS : ASCII_DOTS;
  return {
    unicode,
    color,
    emphasis: color,
    tone: (t) => (color && t ? TONE_COLOR[t] : undefined),
    dot: (state) => dots[state] ?? '?',
    g: unicode ? UNICODE_GLYPHS : ASCII_GLYPHS,
    text: (s) => clean(s ?? '', !unicode),
  };
}

export const ThemeContext = createContext<Theme>(makeTheme({ LANG: 'C', NO_COLOR: '1' }, {}));

/** The smallest terminal the views are laid out for. */
export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

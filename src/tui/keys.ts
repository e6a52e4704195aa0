import type { Key } from 'ink';

/**
 * Keys from what the terminal sent. One read can hold several keys: over ssh, or from
 * `tmux send-keys Down Down Down`, three arrows arrive as one chunk, and Ink's useInput
 * reads a chunk as one key (the first). So the dashboard splits chunks itself, and reads
 * each key the way Ink reads a chunk of one key.
 */

const ESC = '\x1b';

/**
 * Splits a chunk into keys: escape sequences (CSI, SS3, with an optional ESC before them
 * for alt), single control characters (ESC with a following backspace is alt+backspace),
 * and runs of printable text. A run stays whole (a paste into a prompt); the reader
 * decides whether it is text or keys one by one.
 *
 * ESC before a printable character is the Esc key and then that key, not alt+key as Ink
 * reads it: the dashboard has no alt bindings, and "esc 1" typed over ssh comes in one read.
 */
export function splitKeys(chunk: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    const start = i;
    const c = chunk[i]!;
    if (c === ESC) {
      i++;
      // ESC ESC [ …: alt with an arrow, as one key.
      if (chunk[i] === ESC && (chunk[i + 1] === '[' || chunk[i + 1] === 'O')) i++;
      if (chunk[i] === '[') {
        i++;
        // Cygwin and putty double the bracket (ESC [ [ A, ESC [ [ 5 ~).
        if (chunk[i] === '[') i++;
        while (i < chunk.length && /[0-9;]/.test(chunk[i]!)) i++;
        if (i < chunk.length) i++;
      } else if (chunk[i] === 'O') {
        i += Math.min(2, chunk.length - i);
      } else if (chunk[i] === '\x7f' || chunk[i] === '\b') {
        i++;
      }
    } else if (c < ' ' || c === '\x7f') {
      i++;
    } else {
      while (i < chunk.length && chunk[i]! >= ' ' && chunk[i] !== '\x7f') i++;
    }
    out.push(chunk.slice(start, i));
  }
  return out;
}

/** A run of printable text longer than one character (what a paste or fast typing makes). */
export const isTextRun = (k: string): boolean => k.length > 1 && k[0] !== ESC && k[0]! >= ' ' && k[0] !== '\x7f';

const CSI_NAMES: Record<string, string> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  E: 'clear',
  F: 'end',
  H: 'home',
  Z: 'tab',
  a: 'up',
  b: 'down',
  c: 'right',
  d: 'left',
  e: 'clear',
  '1~': 'home',
  '2~': 'insert',
  '3~': 'delete',
  '4~': 'end',
  '5~': 'pageup',
  '6~': 'pagedown',
  '7~': 'home',
  '8~': 'end',
  '2$': 'insert',
  '3$': 'delete',
  '5$': 'pageup',
  '6$': 'pagedown',
  '7$': 'home',
  '8$': 'end',
  '2^': 'insert',
  '3^': 'delete',
  '5^': 'pageup',
  '6^': 'pagedown',
  '7^': 'home',
  '8^': 'end',
};

/** Keys whose input is empty, as in Ink (its named keys; not escape, return or enter). */
const NAMED = new Set(['up', 'down', 'right', 'left', 'clear', 'end', 'home', 'insert', 'delete', 'pageup', 'pagedown', 'tab', 'backspace', 'f']);

function blank(): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
  };
}

/** The (input, key) pair Ink's useInput would give for a chunk holding just this key. */
export function parseKey(k: string): { input: string; key: Key } {
  const key = blank();
  let name = '';
  let input = k;
  if (k === '\r') name = 'return';
  else if (k === '\n') name = 'enter';
  else if (k === '\t') name = 'tab';
  else if (k === '\b' || k === '\x1b\b') ((name = 'backspace'), (key.meta = k.length === 2));
  else if (k === '\x7f' || k === '\x1b\x7f') ((name = 'delete'), (key.meta = k.length === 2));
  else if (k === ESC || k === ESC + ESC) ((name = 'escape'), (key.meta = true));
  else if (k.length === 1 && k < ' ') {
    name = String.fromCharCode(k.charCodeAt(0) + 96);
    key.ctrl = true;
    input = name;
  } else if (k[0] === ESC && (k[1] === '[' || k[1] === 'O' || (k[1] === ESC && k.length > 2))) {
    const body = k[1] === ESC ? k.slice(2) : k.slice(1);
    if (k[1] === ESC) key.meta = true;
    const ss3 = body[0] === 'O';
    const m = /^(?:O|\[\[?)([0-9;]*)(.?)$/.exec(body);
    const params = (m?.[1] ?? '').split(';');
    const final = m?.[2] ?? '';
    // ESC [ 1 ; 5 A: the second number is 1 + the modifier bits (shift 1, alt 2, ctrl 4).
    const mod = params.length > 1 ? Number(params[1]) - 1 : 0;
    if (mod > 0) {
      key.shift ||= (mod & 1) !== 0;
      key.meta ||= (mod & 10) !== 0;
      key.ctrl = (mod & 4) !== 0;
    }
    const code = params[0] && params[0] !== '1' ? `${params[0]}${final}` : final;
    name =
      (ss3
        ? { A: 'up', B: 'down', C: 'right', D: 'left', E: 'clear', F: 'end', H: 'home', a: 'up', b: 'down', c: 'right', d: 'left', e: 'clear' }[final]
        : CSI_NAMES[code]) ?? (ss3 && /^[P-S]$/.test(final) ? 'f' : '');
    if (!ss3 && (/^[a-e]$/.test(final) || code.endsWith('$') || code === 'Z')) key.shift = true;
    if ((ss3 && /^[a-e]$/.test(final)) || code.endsWith('^')) key.ctrl = true;
    input = '';
  } else if (k[0] === ESC && k.length > 1) {
    // alt+key: Ink drops the ESC, and sets meta for a letter, a digit or space.
    key.meta = /^[a-zA-Z0-9 ]$/.test(k.slice(1));
    input = k.slice(1);
    if (input === ' ') name = 'space';
  } else if (k === ' ') name = 'space';
  key.upArrow = name === 'up';
  key.downArrow = name === 'down';
  key.leftArrow = name === 'left';
  key.rightArrow = name === 'right';
  key.pageUp = name === 'pageup';
  key.pageDown = name === 'pagedown';
  key.return = name === 'return';
  key.escape = name === 'escape';
  key.tab = name === 'tab';
  key.backspace = name === 'backspace';
  key.delete = name === 'delete';
  if (NAMED.has(name)) input = '';
  if (input.startsWith(ESC)) input = input.slice(1);
  if (input.length === 1 && /[A-Z]/.test(input)) key.shift = true;
  return { input, key };
}

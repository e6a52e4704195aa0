/**
 * Untrusted text on its way to a terminal. Message bodies, task titles, agent names and
 * log lines come from agents, and a terminal obeys what it is sent: an escape sequence
 * can retitle the window, write the clipboard (OSC 52), clear the screen or move the
 * cursor up to overwrite a line; bidi controls reorder what is shown. One definition of
 * what is dangerous, shared by the CLIs (which show it) and the dashboard (which drops it).
 */

/**
 * Characters that change how text is shown without being seen: bidi controls and marks,
 * zero-width characters, word joiners, the BOM, line/paragraph separators and the tag
 * characters (U+E0000-U+E007F, which carry invisible ASCII).
 */
const HIDDEN_CLASS = '\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff\\u{e0000}-\\u{e007f}';

// C0 except tab and newline, DEL, C1 (U+0080-U+009F: 0x9B alone is a CSI), then the hidden set.
const UNSAFE = new RegExp(`[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f${HIDDEN_CLASS}]`, 'gu');

/** Escape sequences as terminals parse them: CSI, OSC (to BEL or ST), DCS/APC/PM/SOS, two-byte ESC, C1 CSI. */
// eslint-disable-next-line no-control-regex
const SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]/g;

function shown(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20) return '^' + String.fromCharCode(cp + 0x40);
  if (cp === 0x7f) return '^?';
  return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * Text made safe to print, with nothing hidden: C0 controls and DEL in caret notation as
 * `cat -v` shows them (ESC is `^[`, CR `^M`, BEL `^G`, backspace `^H`, DEL `^?`); C1
 * controls, bidi controls, zero-width and tag characters as `<U+XXXX>`. Newlines and tabs
 * stay. What is left cannot move the cursor or talk to the terminal.
 */
export function showControls(text: string): string {
  return text.replace(UNSAFE, shown);
}

/** Every string inside `data` (arrays and plain objects, deeply) passed through showControls. */
export function showControlsDeep<T>(data: T): T {
  if (typeof data === 'string') return showControls(data) as T;
  if (Array.isArray(data)) return data.map((x) => showControlsDeep(x)) as T;
  if (data !== null && typeof data === 'object' && Object.getPrototypeOf(data) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) out[k] = showControlsDeep(v);
    return out as T;
  }
  return data;
}

/**
 * The same characters removed instead of shown, whole escape sequences first (so no
 * `]0;title` is left behind): for the dashboard, whose cells must not change width.
 * Tabs and newlines stay; the caller decides what a line break is.
 */
export function stripControls(text: string): string {
  return text.replace(SEQUENCES, '').replace(UNSAFE, '');
}

/** Escape sequences only, removed (for matching text as a reader would see it). */
export const stripSequences = (text: string): string => text.replace(SEQUENCES, '');

/** The first control or hidden character of `text` (tab and newline included), or undefined. */
function firstUnsafeChar(text: string): string | undefined {
  const m = /[\t\n]/.exec(text) ?? new RegExp(UNSAFE.source, 'u').exec(text);
  return m?.[0];
}

/**
 * Refuses a name with control or invisible characters: what the message would say, or
 * undefined when `name` is fine. Names are shown in tables and headers, where a hidden
 * character would forge or hide what the reader sees.
 */
export function nameProblem(name: string, what: string): string | undefined {
  const ch = firstUnsafeChar(name);
  if (ch === undefined) return undefined;
  const label = ch === '\t' ? 'a tab' : ch === '\n' ? 'a newline' : `the character ${shown(ch)}`;
  return `${what} '${showControls(name)}' contains ${label}; names may not hold control or invisible characters`;
}

// Characters JSON.stringify leaves raw although a terminal would act on them or hide them.
const JSON_UNSAFE = new RegExp(`[\\x7f-\\x9f${HIDDEN_CLASS}]`, 'gu');

const jsonEscape = (ch: string): string =>
  [...ch]
    .flatMap((c) => (c.length === 2 ? [c.charCodeAt(0), c.charCodeAt(1)] : [c.charCodeAt(0)]))
    .map((u) => '\\u' + u.toString(16).padStart(4, '0'))
    .join('');

/**
 * JSON.stringify, plus \u escapes for DEL, C1 and hidden characters (JSON.stringify
 * escapes only C0). They can only occur inside strings, so the document parses to
 * exactly the same values: --json keeps the stored text, and its bytes stay inert.
 */
export function safeJson(value: unknown, indent?: number): string {
  return inertJson(JSON.stringify(value, null, indent));
}

/** The same escapes applied to JSON text made elsewhere (one document or JSON lines). */
export const inertJson = (json: string): string => json.replace(JSON_UNSAFE, jsonEscape);

/*
 * FTS5's snippet() marks each match between \x01 and \x02 (src/db asks for char(1) and
 * char(2)): bytes no stored text keeps raw, so the marks cannot be forged by a body.
 */
// eslint-disable-next-line no-control-regex -- the match marks are control characters on purpose
const SNIPPET_MARKS = /[\x01\x02]/g;
// eslint-disable-next-line no-control-regex -- as above
const SNIPPET_MATCH = /\x01([^\x02]*)\x02/;

/** A search snippet without its match marks (for --json). */
export const plainSnippet = (snippet: string): string => snippet.replace(SNIPPET_MARKS, '');

/** A search snippet on one line, split at its marks: even indexes are context, odd ones matches. */
export const snippetParts = (snippet: string): string[] => snippet.replace(/\s+/g, ' ').split(SNIPPET_MATCH);

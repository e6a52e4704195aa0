/**
 * The scrubber: everything agor shows or stores from a run passes through it on the way
 * out, since agents write their logs straight to files and nothing sits between them.
 *
 * What it redacts:
 * - exact values of the run's secrets, longest first (a value that holds another is
 *   redacted whole), and their standard and URL-safe base64 (padded and not), lower and
 *   upper case hex and URL-encoded (encodeURIComponent, upper or lower case escapes)
 *   forms, as `[REDACTED:NAME]`; values shorter than MIN_VALUE are too likely to occur by
 *   chance and are left alone;
 * - well-known token shapes (src/core/tokens.ts), handed out by agor or not, as
 *   `[REDACTED:<shape>]`: anthropic-key, openai-key, github-token, slack-token,
 *   aws-access-key-id, private-key.
 *
 * Out of scope: a value inside a longer base64 stream (`base64("user:" + value)`), whose
 * encoding depends on its offset modulo 3 and on its neighbours' bytes; any other
 * encoding or transformation (reversed, split, gzipped); a private key cut across two
 * separately scrubbed pieces is redacted from its BEGIN and up to its END, but a middle
 * piece holding neither is not.
 */
import { PEM_BLOCK, PEM_MARK, PRIVATE_KEY, TOKEN_SHAPES, tokenShapes } from '../core/tokens.js';

export { tokenShapes };

export interface NamedSecret {
  name: string;
  value: string;
}

/** Redacts secrets and token shapes in a piece of text. */
export type Scrubber = (text: string) => string;

/** Shorter values are not scrubbed as values: "abc" would turn up everywhere. */
export const MIN_VALUE = 6;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** The forms of a value that the scrubber looks for: itself and its encodings. */
export function valueForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const b64 = bytes.toString('base64');
  const url = encodeURIComponent(value);
  const forms = [
    value,
    b64,
    b64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    b64.replace(/\+/g, '-').replace(/\//g, '_'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    url,
    url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
  ];
  return [...new Set(forms)];
}

const PEM_REDACTED = `[REDACTED:${PRIVATE_KEY}]`;

const SHAPES = new RegExp(TOKEN_SHAPES.map((s) => `(${s.source})`).join('|'), 'g');

/** What a shape match becomes: its redaction, or itself when it does not look random enough. */
function redactShape(m: RegExpExecArray): string {
  for (let i = 0; i < TOKEN_SHAPES.length; i++) {
    if (m[i + 1] === undefined) continue;
    const shape = TOKEN_SHAPES[i]!;
    return !shape.plausible || shape.plausible(m[0]) ? `[REDACTED:${shape.name}]` : m[0];
  }
  return m[0];
}

/**
 * The values pass and the shapes pass in one walk over the text, each regular expression
 * scanning the original: a replacement function sends V8 down a slow path, and a second
 * scan over the first one's output (a rope) costs half as much again as the first. At a
 * place where both match, the value wins, so a secret with a known shape is named as
 * itself; a match that overlaps one already taken is looked for again after it.
 */
function redactAll(text: string, values: RegExp | null, valueName: (m: string) => string): string {
  let out = '';
  let last = 0;
  const next = (re: RegExp | null, from: number): RegExpExecArray | null => {
    if (!re) return null;
    re.lastIndex = from;
    return re.exec(text);
  };
  let v = next(values, 0);
  let s = next(SHAPES, 0);
  while (v || s) {
    const value = v !== null && (s === null || v.index <= s.index);
    const m = (value ? v : s)!;
    out += text.slice(last, m.index) + (value ? valueName(m[0]) : redactShape(m));
    last = m.index + m[0].length;
    // Neither expression matches the empty string; were one to, step past it.
    const from = m[0].length ? last : last + 1;
    if (value || (v && v.index < last)) v = next(values, from);
    if (!value || (s && s.index < last)) s = next(SHAPES, from);
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * A scrubber for `secrets` (the run's, when known; none: token shapes only): one walk
 * with two regular expressions, the value forms and the shapes (see redactAll), then
 * private key blocks (only when the text mentions PRIVATE KEY). A value wins over a shape
 * at the same place, so a secret that has a known shape is named by its own name. (One
 * expression for values and shapes together measured four times slower than the two:
 * V8 scans alternatives of literals and of prefixed shapes much faster apart.)
 */
export function makeScrubber(secrets: NamedSecret[]): Scrubber {
  const nameOf = new Map<string, string>();
  // Longest value first: its forms claim their text before a shorter value's do.
  const sorted = secrets.filter((s) => s.value.length >= MIN_VALUE).sort((a, b) => b.value.length - a.value.length);
  for (const s of sorted) for (const f of valueForms(s.value)) if (!nameOf.has(f)) nameOf.set(f, s.name);
  const literals = [...nameOf.keys()].sort((a, b) => b.length - a.length);
  const values = literals.length ? new RegExp(literals.map(escape).join('|'), 'g') : null;
  const redactValue = (m: string): string => `[REDACTED:${nameOf.get(m)}]`;
  return (text: string): string => {
    let t = redactAll(text, values, redactValue);
    if (t.includes(PEM_MARK)) t = t.replace(PEM_BLOCK, PEM_REDACTED);
    return t;
  };
}

/** The scrubber for text whose run's secrets are not known: token shapes only. */
export const scrubShapes: Scrubber = makeScrubber([]);

/** Does nothing: the benchmark's baseline, and text that must stay as it is. */
export const noScrub: Scrubber = (text) => text;

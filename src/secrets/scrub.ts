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

function redactShape(m: string, ...groups: unknown[]): string {
  for (let i = 0; i < TOKEN_SHAPES.length; i++) {
    if (groups[i] === undefined) continue;
    const shape = TOKEN_SHAPES[i]!;
    return !shape.plausible || shape.plausible(m) ? `[REDACTED:${shape.name}]` : m;
  }
  return m;
}

/**
 * A scrubber for `secrets` (the run's, when known; none: token shapes only). Three
 * passes, each one regular expression: the value forms, then the shapes, then private
 * key blocks (only when the text mentions PRIVATE KEY). Values go first, so a secret that
 * has a known shape is named by its own name. (One pass over values and shapes together
 * measured four times slower than the two: V8 scans alternatives of literals and of
 * prefixed shapes much faster apart.)
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
    let t = values ? text.replace(values, redactValue) : text;
    t = t.replace(SHAPES, redactShape);
    if (t.includes(PEM_MARK)) t = t.replace(PEM_BLOCK, PEM_REDACTED);
    return t;
  };
}

/** The scrubber for text whose run's secrets are not known: token shapes only. */
export const scrubShapes: Scrubber = makeScrubber([]);

/** Does nothing: the benchmark's baseline, and text that must stay as it is. */
export const noScrub: Scrubber = (text) => text;

/**
 * Well-known credential shapes: text that is a secret whoever handed it out. Shared by
 * the scrubber (src/secrets/scrub.ts, which redacts them) and btmsg/bttask (which flag a
 * body that holds one, `secret_shaped`); it lives in core because the messaging layer may
 * not import src/secrets.
 *
 * Each shape needs a distinctive prefix and a long random tail, and starts where a word
 * starts, so "task-list", "sk-learn" or an "AKIA" inside a word are not taken for keys.
 */
export interface TokenShape {
  /** What `[REDACTED:<name>]` says. */
  name: string;
  /** A regular expression source without capturing groups. */
  source: string;
  /** A second look at a match, for shapes whose prefix is common in ordinary text. */
  plausible?: (match: string) => boolean;
}

// Not preceded by a word character or a hyphen: the prefix starts a word.
const START = '(?<![A-Za-z0-9_-])';

/** Random keys mix upper and lower case letters and digits; words and slugs do not. */
const looksRandom = (s: string): boolean => /[0-9]/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s);

/** The shapes, in the order they are tried at one position (Anthropic's `sk-ant-` before OpenAI's `sk-`). */
export const TOKEN_SHAPES: readonly TokenShape[] = [
  { name: 'anthropic-key', source: `${START}sk-ant-[A-Za-z0-9_-]{20,}` },
  { name: 'openai-key', source: `${START}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}`, plausible: (m) => looksRandom(m.slice(3)) },
  { name: 'github-token', source: `${START}(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})` },
  { name: 'slack-token', source: `${START}xox[abprs]-[A-Za-z0-9-]{10,}`, plausible: (m) => /[0-9]/.test(m.slice(5)) },
  { name: 'aws-access-key-id', source: `${START}(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])` },
  // agor-relay's own tokens (src/relay/tokens.ts): `agr_` and 32 random bytes in base64url.
  { name: 'agor-relay-token', source: `${START}agr_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])` },
];

/** PEM (and PGP) private key armour: `-----BEGIN RSA PRIVATE KEY-----` and the like. */
const PEM_LABEL = '[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?';
export const PRIVATE_KEY = 'private-key';

/**
 * A private key block: BEGIN through END; a BEGIN whose END is not in this text, through
 * the end of the text; and an END whose BEGIN is not, with the armour lines before it
 * (a log read in pieces can cut a key in two).
 */
export const PEM_BLOCK = new RegExp(
  `-----BEGIN ${PEM_LABEL}-----[\\s\\S]*?(?:-----END ${PEM_LABEL}-----|(?![\\s\\S]))|(?:^(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: .*)?\\r?\\n)*-----END ${PEM_LABEL}-----`,
  'gm',
);
/** What every private key armour line holds; a cheap test before PEM_BLOCK. */
export const PEM_MARK = 'PRIVATE KEY';

const ANY_SHAPE = new RegExp(TOKEN_SHAPES.map((s) => `(${s.source})`).join('|'), 'g');

/**
 * The names of the token shapes found in `text` (each once, in TOKEN_SHAPES order, then
 * `private-key`); empty when there is none.
 */
export function tokenShapes(text: string): string[] {
  const found = new Set<string>();
  ANY_SHAPE.lastIndex = 0;
  for (let m = ANY_SHAPE.exec(text); m; m = ANY_SHAPE.exec(text)) {
    const i = m.findIndex((g, k) => k > 0 && g !== undefined) - 1;
    const shape = TOKEN_SHAPES[i]!;
    if (!shape.plausible || shape.plausible(m[0])) found.add(shape.name);
  }
  if (text.includes(PEM_MARK)) {
    PEM_BLOCK.lastIndex = 0;
    if (PEM_BLOCK.test(text)) found.add(PRIVATE_KEY);
  }
  return TOKEN_SHAPES.map((s) => s.name)
    .filter((n) => found.has(n))
    .concat(found.has(PRIVATE_KEY) ? [PRIVATE_KEY] : []);
}

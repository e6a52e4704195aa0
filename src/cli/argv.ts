import { readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { usage } from '../core/errors.js';

/**
 * What a verb's yargs builder declares, read by running the builder against a recorder
 * instead of yargs: its positionals, its options, and whether it is simple enough for
 * parseSimple below (a builder that calls anything but positional/option, or uses an
 * option setting parseSimple does not reproduce, is not).
 */
export interface VerbShape {
  positionals: { name: string; required: boolean; variadic: boolean }[];
  options: Map<string, OptionShape>;
  simple: boolean;
  /** The builder declares sub-verbs, whose options are not recorded. */
  subVerbs: boolean;
  /** The sub-verb modules the builder declares (for shell completion). */
  subCommands: { command: string; builder?: Builder }[];
}

interface OptionShape {
  name: string;
  aliases: string[];
  type?: string;
  requiresArg?: boolean;
  default?: unknown;
  coerce?: (v: unknown) => unknown;
}

// Settings parseSimple reproduces exactly; any other one sends the verb through yargs.
const SIMPLE_OPTION_KEYS = new Set(['alias', 'type', 'describe', 'requiresArg', 'default', 'coerce']);
const SIMPLE_POSITIONAL_KEYS = new Set(['type', 'describe', 'array']);

type Builder = (y: never) => unknown;

const shapes = new WeakMap<object, VerbShape>();

/** The shape of a verb (`command` as yargs reads it, `builder` run against a recorder). */
export function verbShape(verb: { command: string; builder?: Builder }): VerbShape {
  const cached = shapes.get(verb);
  if (cached) return cached;
  const shape: VerbShape = { positionals: [], options: new Map(), simple: true, subVerbs: false, subCommands: [] };
  for (const word of verb.command.split(' ').slice(1)) {
    const m = /^([<[])([^.\]>]+)(\.\.)?[\]>]$/.exec(word);
    if (!m) shape.simple = false;
    else shape.positionals.push({ name: m[2]!, required: m[1] === '<', variadic: m[3] !== undefined });
  }
  const recorder: object = new Proxy(
    {},
    {
      get:
        (_t, method) =>
        (name: unknown, opts: Record<string, unknown> = {}) => {
          if (method === 'option' && typeof name === 'string') {
            const alias = opts.alias;
            shape.options.set(name, {
              name,
              aliases: alias === undefined ? [] : Array.isArray(alias) ? (alias as string[]) : [alias as string],
              type: opts.type as string | undefined,
              requiresArg: opts.requiresArg as boolean | undefined,
              default: opts.default,
              coerce: opts.coerce as OptionShape['coerce'],
            });
            if (Object.keys(opts).some((k) => !SIMPLE_OPTION_KEYS.has(k)) || (opts.type !== 'string' && opts.type !== 'boolean')) shape.simple = false;
            if (opts.type === 'string' && !opts.requiresArg) shape.simple = false;
          } else if (method === 'positional' && typeof name === 'string') {
            if (Object.keys(opts).some((k) => !SIMPLE_POSITIONAL_KEYS.has(k)) || opts.type !== 'string') shape.simple = false;
            const p = shape.positionals.find((x) => x.name === name);
            if (!p || Boolean(opts.array) !== p.variadic) shape.simple = false;
          } else {
            shape.simple = false;
            if (method === 'command') {
              shape.subVerbs = true;
              for (const m of Array.isArray(name) ? name : [name]) if (m && typeof (m as { command?: unknown }).command === 'string') shape.subCommands.push(m);
            }
          }
          return recorder;
        },
    },
  );
  try {
    verb.builder?.(recorder as never);
  } catch {
    shape.simple = false;
  }
  shapes.set(verb, shape);
  return shape;
}

/** The options every verb takes, as runCli declares them to yargs. */
const GLOBAL_OPTIONS: OptionShape[] = [
  {
    name: 'db',
    aliases: [],
    type: 'string',
    requiresArg: true,
  },
  { name: 'json', aliases: [], type: 'boolean' },
];

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The arguments yargs would hand the verb's handler, worked out without loading yargs
 * (most of the start-up cost of a short verb), or undefined whenever the words hold
 * anything beyond the plain cases: help, version, "--", an unknown or repeated option,
 * a grouped or negated flag, a missing value, a positional count yargs would refuse.
 * Undefined means "ask yargs", which then parses, or explains the mistake, as before.
 */
export function parseSimple(scriptName: string, verbName: string, shape: VerbShape, words: string[]): Record<string, unknown> | undefined {
  if (!shape.simple) return undefined;
  const byFlag = new Map<string, OptionShape>();
  for (const o of [...GLOBAL_OPTIONS, ...shape.options.values()]) {
    byFlag.set(o.name.length === 1 ? `-${o.name}` : `--${o.name}`, o);
    for (const a of o.aliases) byFlag.set(a.length === 1 ? `-${a}` : `--${a}`, o);
  }
  const given = new Map<string, unknown>();
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-' || !w.startsWith('-')) {
      positionals.push(w);
      continue;
    }
    const o = byFlag.get(w);
    if (!o || given.has(o.name)) return undefined;
    if (o.type === 'boolean') {
      // yargs takes a following "true" or "false" as the flag's value.
      if (words[i + 1] === 'true' || words[i + 1] === 'false') return undefined;
      given.set(o.name, true);
    } else {
      const v = words[i + 1];
      if (v === undefined || v.startsWith('-')) return undefined;
      given.set(o.name, v);
      i++;
    }
  }
  const argv: Record<string, unknown> = { _: [verbName] };
  let next = 0;
  for (const p of shape.positionals) {
    if (p.variadic) {
      const rest = positionals.slice(next);
      if (p.required && !rest.length) return undefined;
      argv[p.name] = rest;
      next = positionals.length;
    } else if (next < positionals.length) {
      argv[p.name] = positionals[next++];
    } else if (p.required) return undefined;
  }
  if (next < positionals.length) return undefined;
  for (const o of [...GLOBAL_OPTIONS, ...shape.options.values()]) {
    let v = given.has(o.name) ? given.get(o.name) : o.default;
    if (v === undefined) continue;
    try {
      if (o.coerce) v = o.coerce(v);
    } catch {
      // yargs reports it, the way it always has.
      return undefined;
    }
    for (const key of [o.name, ...o.aliases]) {
      argv[key] = v;
      if (key.includes('-')) argv[camel(key)] = v;
    }
  }
  argv.$0 = scriptName;
  return argv;
}

const NEGATIVE_NUMBER = /^-(\d+(\.\d*)?|\.\d+)$/;

/**
 * A single-dash word such as "-hello" that yargs would read as a group of one-letter
 * flags, of which one is not an option of the verb or is -h (so yargs printed help and
 * exited 0). `shorts` maps the verb's one-letter options to whether they take a value;
 * without it (a verb with sub-verbs), any group holding an h is refused.
 */
export function badDashWord(word: string, shorts: Map<string, boolean> | undefined): boolean {
  if (!/^-[^-]./.test(word) || NEGATIVE_NUMBER.test(word)) return false;
  const letters = word.slice(1).split('=')[0]!;
  if (!shorts) return letters.includes('h');
  for (const l of letters) {
    if (l === 'h' || !shorts.has(l)) return true;
    // The rest of the word is that option's value (-n5).
    if (shorts.get(l)) return false;
  }
  return false;
}

/** One-letter options of a verb (true: it takes a value), or undefined when unknown. */
export function shortOptions(shape: VerbShape | undefined): Map<string, boolean> | undefined {
  if (!shape || shape.subVerbs) return undefined;
  const m = new Map<string, boolean>();
  for (const o of shape.options.values()) for (const k of [o.name, ...o.aliases]) if (k.length === 1) m.set(k, o.type !== 'boolean');
  return m;
}

/**
 * Refuses argv words that were not valid UTF-8. Node decodes argv leniently, turning
 * each bad byte into U+FFFD, so a word holding one is checked against the raw bytes
 * of /proc/self/cmdline (where that cannot be read, the word is taken as it is).
 */
export function checkArgvUtf8(words: string[], scriptName: string): void {
  const suspect = words.findIndex((w) => w.includes('\uFFFD'));
  if (suspect === -1) return;
  let raw: Buffer[];
  try {
    const cmdline = readFileSync('/proc/self/cmdline');
    raw = [];
    let start = 0;
    for (let i = 0; i < cmdline.length; i++) {
      if (cmdline[i] === 0) {
        raw.push(cmdline.subarray(start, i));
        start = i + 1;
      }
    }
  } catch {
    return;
  }
  // The words are the last entries of the command line (node's own options come first).
  const mine = raw.slice(raw.length - words.length);
  if (mine.length !== words.length) return;
  const bad = mine.findIndex((b) => !isUtf8(b));
  if (bad === -1) return;
  throw usage(
    `argument ${bad + 1} is not valid UTF-8: '${visibleBytes(mine[bad]!)}'`,
    `${scriptName} takes its arguments in UTF-8; convert them first, e.g. with iconv -t UTF-8`,
  );
}

/** Bytes as text a terminal shows safely: printable ASCII as is, anything else as \xNN. */
function visibleBytes(b: Buffer): string {
  let out = '';
  for (const byte of b.subarray(0, 60)) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return b.length > 60 ? `${out}…` : out;
}

// The man pages against the binaries as built: every verb (and sub-verb) that --help lists
// has its SYNOPSIS line and its section in man/<bin>.1, every option of a verb is named in
// that section or its synopsis, and every verb and option the page names exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runAsync } from '../../helpers/cli.js';

const BINS = ['btmsg', 'bttask', 'agor', 'agor-relay'] as const;
type Bin = (typeof BINS)[number];

/** Options every verb takes, documented once under GLOBAL OPTIONS (agor's --host too). */
const GLOBAL = new Set(['db', 'json', 'version', 'help', 'host']);

interface HelpOption {
  long: string;
  short?: string;
}

interface Verb {
  /** `send`, or `channel create` for a sub-verb. */
  name: string;
  options: HelpOption[];
}

/** The lines of one section of yargs' help ("Commands:", "Options:", "Positionals:"). */
function section(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l === `${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Verbs from a Commands: section: `  btmsg channel create <name> …` under prefix `btmsg channel`. */
const commands = (help: string, prefix: string): string[] =>
  section(help, 'Commands').flatMap((l) => {
    const m = new RegExp(`^ {2}${prefix} ([a-z][\\w-]*)`).exec(l);
    return m ? [m[1]!] : [];
  });

/** Options from an Options: section; a wrapped description line starts with blanks, not a dash. */
const options = (help: string): HelpOption[] =>
  section(help, 'Options').flatMap((l) => {
    const m = /^ {2}(?:-(\w), )? *--([\w-]+)/.exec(l);
    return m && !GLOBAL.has(m[2]!) ? [{ long: m[2]!, ...(m[1] ? { short: m[1] } : {}) }] : [];
  });

/** A positional whose values are fixed words acts as a sub-verb (`agor schedule <action>`: list). */
const choices = (help: string): string[] =>
  section(help, 'Positionals').flatMap((l) => {
    const m = /\[choices: ([^\]]+)\]/.exec(l);
    return m ? [...m[1]!.matchAll(/"([^"]+)"/g)].map((c) => c[1]!) : [];
  });

async function help(bin: Bin, args: string[]): Promise<string> {
  const r = await runAsync(bin, [...args, '--help'], { env: { COLUMNS: '200' } });
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} --help exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Every verb of a built binary, with its options, as its --help tells them. */
async function verbsOf(bin: Bin): Promise<Verb[]> {
  const top = commands(await help(bin, []), bin);
  const perVerb = await Promise.all(
    top.map(async (v): Promise<Verb[]> => {
      const h = await help(bin, [v]);
      const subs = commands(h, `${bin} ${v}`);
      if (subs.length) {
        const each = await Promise.all(subs.map(async (s) => ({ name: `${v} ${s}`, options: options(await help(bin, [v, s])) })));
        // A verb that also acts on its own (agor conflicts, besides conflicts ack) has options of its own.
        const own = options(h);
        return own.length ? [{ name: v, options: own }, ...each] : each;
      }
      const fixed = choices(h);
      if (fixed.length) return fixed.map((s) => ({ name: `${v} ${s}`, options: options(h) }));
      return [{ name: v, options: options(h) }];
    }),
  );
  return perVerb.flat();
}

/** roff as plain text: `\-` is a dash, font escapes go. */
const plain = (roff: string): string =>
  roff
    .replace(/\\f[BIRP]/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\\(em/g, '—');

interface Page {
  /** Verb -> its SYNOPSIS line(s), continuation lines included. */
  synopsis: Map<string, string>;
  /** Verb -> the text of its .SS section. */
  sections: Map<string, string>;
  /** Verb -> the options its section describes in a tagged paragraph (.TP). */
  described: Map<string, string[]>;
  /** The verbs that have a section under VERBS, in order. */
  verbSections: string[];
  text: string;
}

function readPage(bin: Bin): Page {
  const roff = readFileSync(join(ROOT, 'man', `${bin}.1`), 'utf8');
  const lines = roff.split('\n');
  const synopsis = new Map<string, string>();
  const from = lines.findIndex((l) => l === '.SH SYNOPSIS');
  const to = lines.findIndex((l, i) => i > from && l.startsWith('.SH '));
  let last: string | undefined;
  for (const raw of lines.slice(from, to)) {
    // The verb (and sub-verb) is the bold part: \fBbtmsg channel create\fR \fIname\fR ...
    const m = new RegExp(`^\\\\fB${bin} ([a-z][\\w\\\\-]*(?: [a-z][\\w\\\\-]*)?)\\\\fR`).exec(raw);
    if (m) {
      last = plain(m[1]!);
      synopsis.set(last, `${synopsis.get(last) ?? ''}${plain(raw)}\n`);
    } else if (last && /^\s+\[/.test(raw)) {
      synopsis.set(last, `${synopsis.get(last)}${plain(raw)}\n`);
    } else {
      last = undefined;
    }
  }
  const sections = new Map<string, string>();
  const described = new Map<string, string[]>();
  const verbSections: string[] = [];
  const verbsFrom = lines.indexOf('.SH VERBS');
  const verbsTo = lines.findIndex((l, i) => i > verbsFrom && l.startsWith('.SH '));
  for (let i = 0; i < lines.length; i++) {
    const m = /^\.SS "(.*)"$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.findIndex((l, j) => j > i && (l.startsWith('.SS ') || l.startsWith('.SH ')));
    // The verb is the heading's words in roman: `.SS "channel create \fIname\fP"`, `.SS "send \fIto\fP"`.
    const name = /^([a-z][\w\\-]*(?: [a-z][\w\\-]*)?)(?= |$)/.exec(m[1]!)?.[1];
    if (!name) continue;
    const body = lines.slice(i, end < 0 ? undefined : end);
    sections.set(plain(name), plain(body.join('\n')));
    if (i > verbsFrom && i < verbsTo) verbSections.push(plain(name));
    // `.TP` then `.BR \-n ", " \-\-limit " \fIN\fP"`: the options the section describes.
    const tags = body.flatMap((l, j) => (body[j - 1] === '.TP' && /^\.B[IR]? +\\-/.test(l) ? [plain(l)] : []));
    described.set(
      plain(name),
      tags.flatMap((t) => [...t.matchAll(/(?:^|[\s"])(--?[a-z][\w-]*)/g)].map((m) => m[1]!)),
    );
  }
  return { synopsis, sections, described, verbSections, text: plain(roff) };
}

/** Does roff text name this option (`--limit`, `-n`), not as part of a longer word? */
const names = (text: string, flag: string): boolean => new RegExp(`(^|[^\\w-])${flag.replace(/[-]/g, '\\-')}(?![\\w-])`).test(text);

describe.each(BINS)("man/%s.1 against the built binary's --help", (bin) => {
  let verbs: Verb[];
  let page: Page;
  beforeAll(async () => {
    verbs = await verbsOf(bin);
    page = readPage(bin);
  }, 120_000);

  it('has a SYNOPSIS line and a section for every verb --help lists, and no verb --help lacks', () => {
    expect(verbs.length).toBeGreaterThan(5);
    const fromHelp = verbs.map((v) => v.name).sort();
    expect([...page.synopsis.keys()].sort(), `the SYNOPSIS of man/${bin}.1`).toEqual(fromHelp);
    const missing = fromHelp.filter((v) => !page.sections.has(v));
    expect(missing, `verbs without a .SS section in man/${bin}.1`).toEqual([]);
    expect(
      page.verbSections.filter((v) => !fromHelp.includes(v)),
      `sections under VERBS in man/${bin}.1 for verbs --help lacks`,
    ).toEqual([]);
  });

  it("names every option of every verb in that verb's section or synopsis", () => {
    const missing: string[] = [];
    for (const v of verbs) {
      const doc = `${page.synopsis.get(v.name) ?? ''}\n${page.sections.get(v.name) ?? ''}`;
      for (const o of v.options) {
        if (!names(doc, `--${o.long}`)) missing.push(`${bin} ${v.name} --${o.long}`);
        if (o.short && !names(doc, `-${o.short}`)) missing.push(`${bin} ${v.name} -${o.short} (for --${o.long})`);
      }
    }
    expect(missing, `options --help lists that man/${bin}.1 does not name where the verb is described`).toEqual([]);
  });

  it("names no option in a verb's synopsis or option list that the verb does not take", () => {
    const unknown: string[] = [];
    for (const v of verbs) {
      const syn = page.synopsis.get(v.name) ?? '';
      const known = new Set(v.options.flatMap((o) => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])]));
      const named = [...[...syn.matchAll(/(?:^|[\s[|])(--?[a-z][\w-]*)/g)].map((m) => m[1]!), ...(page.described.get(v.name) ?? [])];
      for (const flag of new Set(named)) {
        if (!known.has(flag) && !GLOBAL.has(flag.replace(/^-+/, ''))) unknown.push(`${bin} ${v.name} ${flag}`);
      }
    }
    expect(unknown, `options man/${bin}.1 gives a verb that its --help does not list`).toEqual([]);
  });

  it('documents the global options', () => {
    for (const g of ['--db', '--json', '--help', '--version']) expect(names(page.text, g), `${g} in man/${bin}.1`).toBe(true);
  });
});

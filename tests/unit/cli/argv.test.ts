import { describe, expect, it } from 'vitest';
import { badDashWord, parseSimple, shortOptions, verbShape } from '../../../src/cli/argv.js';
import { type AnyVerb, type CliSpec, yargsFor } from '../../../src/cli/run.js';
import * as agor from '../../../src/commands/agor/index.js';
import * as btmsg from '../../../src/commands/btmsg/index.js';
import * as bttask from '../../../src/commands/bttask/index.js';

const BINARIES: [string, AnyVerb[]][] = [
  ['btmsg', btmsg.commands],
  ['bttask', bttask.commands],
  ['agor', agor.commands],
];

const verbName = (v: AnyVerb) => v.command.split(' ')[0]!;

/** What yargs hands the verb's handler for these words, or the error it stops with. */
async function viaYargs(name: string, verb: AnyVerb, words: string[]): Promise<{ argv?: Record<string, unknown>; error?: unknown }> {
  let argv: Record<string, unknown> | undefined;
  const spec: CliSpec = { name, describe: '', commands: [{ ...verb, handler: (a) => void (argv = { ...a }) }] };
  try {
    await (await yargsFor(spec, [verbName(verb), ...words])).parseAsync();
  } catch (error) {
    return { error };
  }
  return { argv };
}

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/** Random words for a verb: its positionals and options in the right and the wrong shapes. */
function samples(verb: AnyVerb, n: number, seed: number): string[][] {
  const shape = verbShape(verb);
  const rnd = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const flags: string[][] = [['--json'], ['--db', 'x.db'], ['--db'], ['--json', 'true'], ['--no-json'], ['--db=x.db'], ['--unknown'], ['-z'], ['--']];
  for (const o of shape.options.values()) {
    for (const f of [o.name, ...o.aliases].map((k) => (k.length === 1 ? `-${k}` : `--${k}`))) {
      if (o.type === 'boolean') flags.push([f], [f, 'false']);
      else flags.push([f, '5'], [f, 'x'], [f, '30m'], [f], [f, '-q']);
    }
  }
  const words = ['bob', 'hello', '-', 'true', '123', 'two words', '-5', ''];
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const s: string[] = [];
    const k = Math.floor(rnd() * 6);
    for (let j = 0; j < k; j++) s.push(...(rnd() < 0.6 ? [pick(words)] : pick(flags)));
    out.push(s);
  }
  return out;
}

describe('the simple parse of a verb', () => {
  for (const [name, verbs] of BINARIES) {
    for (const verb of verbs.filter((v) => verbShape(v).simple)) {
      it(`gives ${name} ${verbName(verb)} the arguments yargs gives, or leaves the words to yargs`, async () => {
        let taken = 0;
        for (const words of samples(verb, 150, verbName(verb).length * 7919)) {
          const simple = parseSimple(name, verbName(verb), verbShape(verb), words);
          if (!simple) continue;
          taken++;
          const y = await viaYargs(name, verb, words);
          expect({ words, error: y.error }).toEqual({ words, error: undefined });
          expect({ words, argv: simple }).toEqual({ words, argv: y.argv });
        }
        expect(taken).toBeGreaterThan(0);
      });
    }
  }

  it('takes the calls agents make most, with their options', () => {
    const take = (verbs: AnyVerb[], words: string[]) => {
      const verb = verbs.find((v) => verbName(v) === words[0])!;
      return parseSimple('x', words[0]!, verbShape(verb), words.slice(1));
    };
    expect(take(btmsg.commands, ['send', 'bob', 'hello', 'there'])).toMatchObject({ to: 'bob', message: ['hello', 'there'] });
    expect(take(btmsg.commands, ['send', 'bob', '-'])).toMatchObject({ to: 'bob', message: ['-'] });
    expect(take(btmsg.commands, ['inbox', '--json'])).toMatchObject({ json: true, limit: 100 });
    expect(take(btmsg.commands, ['inbox', '-a', '-n', '5', '--db', 'x.db'])).toMatchObject({ all: true, limit: 5, db: 'x.db' });
    expect(take(bttask.commands, ['claim'])).toMatchObject({ _: ['claim'] });
    expect(take(bttask.commands, ['claim', 'abc', '--lease', '15m'])).toMatchObject({ id: 'abc', lease: '15m', l: '15m' });
  });

  it('leaves help, version and anything unusual to yargs', () => {
    const send = btmsg.commands.find((v) => verbName(v) === 'send')!;
    for (const words of [['bob', 'hi', '--help'], ['bob', 'hi', '-h'], ['--version'], ['bob', '--', '--x'], ['bob', 'hi', '--json', '--json'], ['bob']]) {
      expect(parseSimple('btmsg', 'send', verbShape(send), words)).toBeUndefined();
    }
  });
});

describe('a single-dash word', () => {
  const shorts = new Map([
    ['a', false],
    ['n', true],
  ]);

  it('is refused when yargs would read it as flags the verb lacks, or as -h', () => {
    expect(badDashWord('-hello', shorts)).toBe(true);
    expect(badDashWord('-zz', shorts)).toBe(true);
    expect(badDashWord('-ah', shorts)).toBe(true);
    expect(badDashWord('-hello', undefined)).toBe(true);
  });

  it('is left alone when it is a known flag group, a negative number or a single flag', () => {
    expect(badDashWord('-an', shorts)).toBe(false);
    expect(badDashWord('-n5', shorts)).toBe(false);
    expect(badDashWord('-5', shorts)).toBe(false);
    expect(badDashWord('-2.5', shorts)).toBe(false);
    expect(badDashWord('-z', shorts)).toBe(false);
    expect(badDashWord('--hello', shorts)).toBe(false);
    expect(badDashWord('-', shorts)).toBe(false);
    expect(badDashWord('-xyz', undefined)).toBe(false);
  });

  it('is judged against the options the verb declares', () => {
    const inbox = btmsg.commands.find((v) => verbName(v) === 'inbox')!;
    expect(shortOptions(verbShape(inbox))).toEqual(
      new Map([
        ['a', false],
        ['n', true],
      ]),
    );
    const channel = btmsg.commands.find((v) => verbName(v) === 'channel')!;
    expect(shortOptions(verbShape(channel))).toBeUndefined();
  });
});

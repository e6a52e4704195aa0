import type { ArgumentsCamelCase, Argv, CommandModule, Options } from 'yargs';
import { badDashWord, checkArgvUtf8, parseSimple, shortOptions, verbShape } from './argv.js';
import { errColor } from './color.js';
import { Exit, UserError, exitCodeName, usage } from '../core/errors.js';
import { translateDbError } from '../db/errors.js';
import { safeJson, showControls } from '../core/text.js';
import type { ValueSource } from './completion.js';

/** Options every verb of every binary accepts. */
export interface GlobalArgs {
  db?: string;
  json?: boolean;
}

/**
 * A verb module: a yargs CommandModule whose handler sees its arguments typed the way
 * the verb declares them (yargs' own inference marks required positionals optional).
 */
export interface Verb<A> {
  command: string;
  describe: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  builder?: (y: Argv<GlobalArgs>) => Argv<any>;
  handler: (argv: ArgumentsCamelCase<GlobalArgs & A>) => void | Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyVerb = Verb<any>;

export interface CliSpec {
  name: string;
  describe: string;
  commands: AnyVerb[];
  epilog?: string;
  /** Options of this binary that every verb accepts, besides --db and --json (agor's --host). */
  options?: Record<string, Options>;
  /** Values for shell completion (agent ids, task ids, channel names); verbs and options come without it. */
  complete?: ValueSource;
  /**
   * Run `NAME-VERB` programs on PATH for unknown verbs, with this environment, and list
   * them in --help (`skip`: programs of the project itself that are not extensions).
   */
  extensions?: { env: () => NodeJS.ProcessEnv | Promise<NodeJS.ProcessEnv>; skip?: string[] };
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/**
 * yargs drops a lone "-" positional (yargs/yargs#1312), which means stdin here, and never
 * hands words after "--" to positionals, so `send bob -- --force now` lost its text.
 * Such words go to yargs behind a NUL (never present in real argv), which makes them
 * plain positionals, and restoreDashes takes it off again after parsing.
 */
const ESC = '\0';

function escapeDashes(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const escape = (a: string) => (a.startsWith('-') ? ESC + a : a);
  if (end === -1) return argv.map((a) => (a === '-' ? ESC + a : a));
  return [...argv.slice(0, end).map((a) => (a === '-' ? ESC + a : a)), ...argv.slice(end + 1).map(escape)];
}

function restoreDashes(argv: Record<string, unknown>): void {
  const restore = (x: unknown) => (typeof x === 'string' && x.startsWith(ESC) ? x.slice(1) : x);
  for (const [k, v] of Object.entries(argv)) argv[k] = Array.isArray(v) ? v.map(restore) : restore(v);
}

function verbName(c: AnyVerb): string {
  return c.command.split(' ')[0]!;
}

/** The yargs parser of a binary: --help, --version, and every call parseSimple leaves to it. */
export async function yargsFor(spec: CliSpec, argv: string[]): Promise<Argv<GlobalArgs>> {
  const { default: yargs } = await import('yargs');
  return yargs(escapeDashes(argv))
    .middleware(restoreDashes, true)
    .scriptName(spec.name)
    .usage(`$0 <verb> [options]\n\n${spec.describe}`)
    .parserConfiguration({ 'parse-positional-numbers': false, 'parse-numbers': false })
    .option('db', {
      type: 'string',
      describe: 'SQLite file (default: $AGOR_DB, else $XDG_DATA_HOME/agor/agor.db; XDG_DATA_HOME defaults to ~/.local/share)',
      global: true,
      requiresArg: true,
      coerce: (v: unknown): string => {
        if (Array.isArray(v)) throw usage('--db is given more than once', 'give one database');
        return v as string;
      },
    })
    .option('json', { type: 'boolean', describe: 'Print one JSON document on stdout', global: true })
    .options(Object.fromEntries(Object.entries(spec.options ?? {}).map(([k, o]) => [k, { ...o, global: true }])))
    .command(spec.commands as unknown as CommandModule<GlobalArgs, GlobalArgs>[])
    .demandCommand(1, 'no verb given')
    .strict()
    .help()
    .alias('h', 'help')
    .version(process.env.AGOR_VERSION ?? '0.0.0')
    .epilog(spec.epilog ?? `Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 not permitted, 5 conflict, 6 timeout, 7 busy. See man ${spec.name}.`)
    .wrap(Math.min(100, process.stdout.columns || 80))
    .fail((msg, err) => {
      // yargs re-wraps errors thrown by coerce callbacks, and reports a missing option
      // value, as YError: both are usage mistakes, not bugs.
      if (err instanceof UserError || (err && err.name !== 'YError')) throw err;
      throw usage(msg ?? err?.message ?? 'invalid arguments', `${spec.name} --help shows the usage`);
    });
}

/** Prints an error the way every agor binary does: one line, a hint, or JSON on --json. */
export function reportError(name: string, err: UserError, json: boolean): void {
  if (json) {
    process.stderr.write(
      safeJson({ error: { code: exitCodeName(err.code), exit: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } }) + '\n',
    );
    return;
  }
  const c = errColor();
  // Messages echo what was typed or stored ("no agent '…'"): shown, never obeyed.
  const message = showControls(err.message);
  const hint = err.hint ? showControls(err.hint) : undefined;
  process.stderr.write(`${c.red(`${name}: ${message}`)}\n${hint ? c.dim(`  hint: ${hint}`) + '\n' : ''}`);
}

/**
 * Runs one binary: parses argv with yargs, runs the verb, and turns every outcome into
 * an exit code. UserErrors print one line and a hint; anything else is a bug and
 * prints its stack.
 */
export async function runCli(spec: CliSpec, argv: string[]): Promise<number> {
  if (argv[0] === '__complete') return completeCli(spec, argv.slice(1));
  // Words after "--" are message text, not options.
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const json = options.includes('--json');
  const verbs = spec.commands.map(verbName);
  try {
    checkArgvUtf8(argv, spec.name);
    const first = argv.find((a) => !a.startsWith('-'));
    const helpOrVersion = argv.some((a) => a === '--help' || a === '-h' || a === '--version');
    if (first === undefined && !helpOrVersion) {
      throw usage(`no verb given`, `${spec.name} --help lists the verbs`);
    }
    // Only judge the first word when no option before it could have taken it as a value.
    if (first !== undefined && argv[0] === first && !verbs.includes(first) && first !== 'help') {
      const ext = spec.extensions && (await import('./extensions.js')).findExtension(spec.name, first);
      if (ext) return await (await import('./extensions.js')).runExtension(ext, argv.slice(1), await spec.extensions!.env());
      const near = verbs.filter((v) => distance(v, first) <= 2).sort((a, b) => distance(a, first) - distance(b, first));
      throw usage(`unknown verb '${first}'`, near.length ? `did you mean ${near[0]}? (${spec.name} --help lists the verbs)` : `${spec.name} --help lists the verbs`);
    }
    const verb = spec.commands.find((c) => verbName(c) === first);
    const shape = verb && verbShape(verb);
    const dashWord = options.find((w) => badDashWord(w, shortOptions(shape)));
    if (dashWord !== undefined) {
      throw usage(
        `unknown option '${dashWord}'`,
        `${first ? `${spec.name} ${first} --help` : `${spec.name} --help`} lists the options; a word that starts with "-" goes after --, as in: … -- ${dashWord}`,
      );
    }
    // The common calls skip yargs, whose loading and parsing are most of a short verb's cost.
    const simple = verb && argv[0] === first ? parseSimple(spec.name, first!, shape!, argv.slice(1)) : undefined;
    if (simple) {
      await verb!.handler(simple as ArgumentsCamelCase<GlobalArgs>);
      return typeof process.exitCode === 'number' ? process.exitCode : Exit.OK;
    }
    // Only the binary's own help scans PATH for extensions, never a verb's run.
    const withExtensions = spec.extensions && (first === 'help' || (first === undefined && argv.some((a) => a === '--help' || a === '-h')));
    await (await yargsFor(withExtensions ? await withExtensionsEpilog(spec, verbs) : spec, argv)).parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : Exit.OK;
  } catch (e) {
    const err = e instanceof UserError ? e : translateDbError(e);
    if (err) {
      reportError(spec.name, err, json);
      return err.code;
    }
    process.stderr.write(`${spec.name}: internal error (a bug; please report it)\n${showControls((e as Error)?.stack ?? String(e))}\n`);
    return Exit.FAILURE;
  }
}

async function withExtensionsEpilog(spec: CliSpec, verbs: string[]): Promise<CliSpec> {
  const { listExtensions, extensionsHelp } = await import('./extensions.js');
  const section = extensionsHelp(spec.name, listExtensions(spec.name, [...verbs, 'help'], spec.extensions?.skip));
  return section ? { ...spec, epilog: `${section}\n\n${spec.epilog ?? ''}` } : spec;
}

/** `X __complete WORD...`: the shell scripts' entry. Prints candidates, one a line; never an error. */
async function completeCli(spec: CliSpec, words: string[]): Promise<number> {
  try {
    const [{ complete }, { listExtensions }] = await Promise.all([import('./completion.js'), import('./extensions.js')]);
    const extensionVerbs = () => (spec.extensions ? listExtensions(spec.name, spec.commands.map(verbName), spec.extensions.skip).map((e) => e.verb) : []);
    const out = await complete(spec, words.length ? words : [''], spec.complete ?? (() => []), extensionVerbs);
    // Candidates come from the database and agor.yaml: none may carry control characters to the terminal.
    // eslint-disable-next-line no-control-regex
    const safe = out.filter((c) => !/[\u0000-\u001f\u007f]/.test(c));
    if (safe.length) process.stdout.write(safe.join('\n') + '\n');
  } catch {
    // A broken completion must not print into the user's command line.
  }
  return Exit.OK;
}

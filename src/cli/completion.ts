import { basename } from 'node:path';
import type { AnyVerb, CliSpec, Verb } from './run.js';
import { type VerbShape, verbShape } from './argv.js';
import { usage } from '../core/errors.js';

/** The shells `X completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden first word the scripts call the binary with: `X __complete WORD... CURRENT`. */
export const COMPLETE_WORD = '__complete';

/**
 * Values for one argument, by the name of the positional or option being completed and
 * the verb path (`['channel', 'send']`); `words` are the words typed so far (for --db, -f).
 */
export type ValueSource = (arg: string, path: string[], words: string[]) => string[] | Promise<string[]>;

/** The shell named by $SHELL when it is one completion supports, else bash. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env): Shell {
  const s = basename(env.SHELL ?? '');
  return (SHELLS as readonly string[]).includes(s) ? (s as Shell) : 'bash';
}

/** The completion script of binary `name` for `shell`; each calls `name __complete`. */
export function completionScript(name: string, shell: Shell): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  if (shell === 'bash')
    return `# ${name} completion for bash. Install with one of:
#   ${name} completion bash > ~/.local/share/bash-completion/completions/${name}
#   echo 'source <(${name} completion bash)' >> ~/.bashrc
${fn}_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(command ${name} ${COMPLETE_WORD} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o bashdefault -o default -F ${fn}_complete ${name}
`;
  if (shell === 'zsh')
    return `#compdef ${name}
# ${name} completion for zsh. Install with one of:
#   ${name} completion zsh > "\${fpath[1]}/_${name}"
#   echo 'source <(${name} completion zsh)' >> ~/.zshrc   (after compinit)
${fn}() {
  local -a candidates
  candidates=("\${(@f)$(command ${name} ${COMPLETE_WORD} "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -Q -- "\${candidates[@]}"
  else
    _files
  fi
}
# Autoloaded from fpath, this file is the body of ${fn}: run it; sourced, register it.
if [[ "\${funcstack[1]}" == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${name}
fi
`;
  return `# ${name} completion for fish. Install with:
#   ${name} completion fish > ~/.config/fish/completions/${name}.fish
function __${fn}_complete
    set -l words (commandline -opc)
    # An empty current word must still be passed: it says a new word starts.
    set -l cur (commandline -ct)
    set -q cur[1]; or set cur ''
    set -l out (command ${name} ${COMPLETE_WORD} $words[2..-1] "$cur" 2>/dev/null)
    if test (count $out) -eq 0
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out
    end
end
complete -c ${name} -f -a '(__${fn}_complete)'
`;
}

interface Flag {
  name: string;
  takesValue: boolean;
}

function flagsOf(shape: VerbShape | undefined, spec: CliSpec): Map<string, Flag> {
  const m = new Map<string, Flag>();
  const add = (name: string, keys: string[], takesValue: boolean) => {
    for (const k of keys) m.set(k.length === 1 ? `-${k}` : `--${k}`, { name, takesValue });
  };
  // The verb's own options first: they are the ones being looked for.
  for (const o of shape?.options.values() ?? []) add(o.name, [o.name, ...o.aliases], o.type !== 'boolean');
  add('db', ['db'], true);
  add('json', ['json'], false);
  add('help', ['help', 'h'], false);
  for (const [k, o] of Object.entries(spec.options ?? {})) add(k, [k], o.type !== 'boolean');
  return m;
}

const nameOf = (v: { command: string }) => v.command.split(' ')[0]!;

/**
 * The candidates for the last of `words` (what is being typed; may be empty), the words
 * before it being the command line after the binary's name: verbs, sub-verbs, options,
 * and the values `values` knows for positionals and options. Never throws.
 */
export async function complete(spec: CliSpec, words: string[], values: ValueSource, extraVerbs: () => string[] = () => []): Promise<string[]> {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let verb: { command: string; builder?: AnyVerb['builder'] } | undefined;
  let shape: VerbShape | undefined;
  const path: string[] = [];
  const positionals: string[] = [];
  let pending: Flag | undefined;
  for (const w of before) {
    const flags = flagsOf(shape, spec);
    if (pending) {
      pending = undefined;
      continue;
    }
    if (w.startsWith('-')) {
      const f = flags.get(w.split('=')[0]!);
      if (f?.takesValue && !w.includes('=')) pending = f;
      continue;
    }
    const subs = verb ? (shape?.subCommands ?? []) : spec.commands;
    const next = (!verb || positionals.length === 0) && subs.find((c) => nameOf(c) === w);
    if (next) {
      verb = next as Verb<unknown>;
      shape = verbShape(next as AnyVerb);
      path.push(w);
    } else if (!verb) return [];
    else positionals.push(w);
  }
  const flags = flagsOf(shape, spec);
  const prefixed = (xs: string[]) => [...new Set(xs.filter((x) => x.startsWith(cur)))];
  try {
    if (pending) return prefixed(await values(pending.name, path, words));
    if (cur.startsWith('-')) return prefixed([...flags.keys()].filter((k) => k.startsWith('--') || cur.length === 1 || k.length === 2));
    if (!verb) return prefixed([...spec.commands.map(nameOf), ...extraVerbs()]);
    if (shape?.subCommands.length && positionals.length === 0) return prefixed(shape.subCommands.map(nameOf));
    const ps = shape?.positionals ?? [];
    const p = ps[positionals.length] ?? (ps.at(-1)?.variadic ? ps.at(-1) : undefined);
    return p ? prefixed(await values(p.name, path, words)) : [];
  } catch {
    return [];
  }
}

/** `X completion [bash|zsh|fish]`: prints the completion script of binary `name`. */
export function completionVerb(name: string): Verb<{ shell?: string }> {
  return {
    command: 'completion [shell]',
    describe: 'Print a shell completion script (bash, zsh or fish; default: from $SHELL)',
    builder: (y) => y.positional('shell', { type: 'string', describe: 'bash, zsh or fish' }),
    handler: (argv) => {
      const shell = argv.shell ?? defaultShell();
      if (!(SHELLS as readonly string[]).includes(shell)) throw usage(`no completion for shell '${shell}'`, `give one of: ${SHELLS.join(', ')}`);
      process.stdout.write(completionScript(name, shell as Shell));
    },
  };
}

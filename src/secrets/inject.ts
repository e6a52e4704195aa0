/**
 * Which secrets a run gets: pure over a getter of keyring items (the agent's own item
 * first, then the group's), so the rule is tested without a keyring and holds wherever
 * a run's secrets are read.
 */
import type { SecretRef } from './refs.js';
import type { NamedSecret } from './scrub.js';

export { SECRET_NAME } from './refs.js';

/** One entry of an agent's `secrets:` in agor.yaml. */
export interface SecretSpec {
  /** The environment variable the run sees. */
  name: string;
  /** The keyring name it is read from (the same as `name` unless renamed). */
  from: string;
}

export type { NamedSecret };

export interface RunSecrets {
  /** The variables to add to the run's environment, by the names the run sees. */
  env: Record<string, string>;
  /** Where each variable's value came from: names and scopes only, for the run's record. */
  refs: RunSecretRef[];
  /** Each distinct value once, under the first variable name that carries it. */
  values: NamedSecret[];
  /** Keyring names found in neither the agent's scope nor the group's, in the order named. */
  missing: string[];
  /** Keyring names whose item found is a system secret (agor's own): never handed to a run. */
  system: string[];
}

/** One variable of a run and the keyring item it was read from (agent null: the group's shared item). */
export interface RunSecretRef {
  env: string;
  name: string;
  agent: string | null;
}

/** Marks an item found but withheld (category system). */
const SYSTEM = Symbol('system');

/**
 * Reads each of `specs` for `agent` of `group`: the agent's own item when there is one,
 * else the one the group shares. An item `isSystem` says is agor's own (category system)
 * is withheld, never handed out. `get` may throw (a keyring that cannot be reached); that
 * is the caller's to handle. An empty value counts as present.
 */
export function resolveRunSecrets(
  get: (ref: SecretRef) => string | null,
  group: string,
  agent: string,
  specs: readonly SecretSpec[],
  isSystem: (ref: SecretRef) => boolean = () => false,
): RunSecrets {
  const env: Record<string, string> = {};
  const values: NamedSecret[] = [];
  const missing: string[] = [];
  const system: string[] = [];
  const refs: RunSecretRef[] = [];
  // Two variables renamed from one item read it once.
  const read = new Map<string, { value: string | null | typeof SYSTEM; scope: string | null }>();
  for (const spec of specs) {
    let found = read.get(spec.from);
    if (found === undefined) {
      found = { value: null, scope: null };
      for (const ref of [
        { group, agent, name: spec.from },
        { group, agent: null, name: spec.from },
      ]) {
        const v = get(ref);
        if (v === null) continue;
        found = { value: isSystem(ref) ? SYSTEM : v, scope: ref.agent };
        break;
      }
      read.set(spec.from, found);
    }
    const value = found.value;
    if (value === SYSTEM) {
      if (!system.includes(spec.from)) system.push(spec.from);
      continue;
    }
    if (value === null) {
      if (!missing.includes(spec.from)) missing.push(spec.from);
      continue;
    }
    env[spec.name] = value;
    refs.push({ env: spec.name, name: spec.from, agent: found.scope });
    if (!values.some((v) => v.value === value)) values.push({ name: spec.name, value });
  }
  return { env, refs, values, missing, system };
}

/** What a run that names a system secret says: agor keeps those to itself. */
export function systemNote(agent: string, names: readonly string[]): string {
  const one = names.length === 1;
  return (
    `${names.join(', ')} ${one ? 'is a system secret' : 'are system secrets'} (agor's own, set with --system), never handed to an agent; ` +
    `store the one ${agent} should get under another name and name that in secrets: ({ name: ..., from: OTHER })`
  );
}

/** What a run whose secrets are missing says, naming them and the command that sets them. */
export function missingNote(group: string, agent: string, missing: readonly string[]): string {
  const names = missing.join(', ');
  const one = missing.length === 1;
  return (
    `${one ? 'secret' : 'secrets'} ${names} ${one ? 'is' : 'are'} not in the keyring (neither ${agent}'s own nor shared by the group ${group}); ` +
    `set ${one ? 'it' : 'each'} with: agor secret set ${one ? missing[0] : 'NAME'} --agent ${agent} (or without --agent to share it with the group)`
  );
}

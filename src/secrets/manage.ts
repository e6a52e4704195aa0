import { notFound, usage } from '../core/errors.js';
import { audit } from '../db/audit.js';
import type { Db } from '../db/open.js';
import { type SecretCategory, type SecretRow, deleteSecretMeta, listSecretMeta, upsertSecretMeta } from '../db/secrets.js';
import { writeTx } from '../db/open.js';
import { KeyringError, type KeyringErrorKind } from './errors.js';
import type { ConfiguredSecrets } from './names.js';
import { type SecretRef, checkSecretName } from './refs.js';
import { resolveRunSecrets } from './inject.js';
import type { SecretStore } from './store.js';

export type { SecretRow };

/**
 * Stores `value` in the keyring, then records the name (never the value) and audits it.
 * The keyring comes first, so a keyring failure leaves nothing behind in the database.
 */
export function setSecret(db: Db, store: SecretStore, ref: SecretRef, value: string, opts: { category: SecretCategory; actor: string }): SecretRow {
  checkSecretName(ref.name);
  if (value === '') throw usage('the secret value is empty', 'give the value on one line of stdin, or at the prompt');
  store.set(ref, value);
  return writeTx(db, () => {
    upsertSecretMeta(db, { group_id: ref.group, agent: ref.agent, name: ref.name, category: opts.category, set_by: opts.actor });
    audit(db, opts.actor, 'secret_set', { group: ref.group, agent: ref.agent, name: ref.name, category: opts.category });
    return listSecretMeta(db, ref.group).find((r) => r.agent === ref.agent && r.name === ref.name)!;
  });
}

/** Deletes the keyring item and its metadata; not found when neither existed. */
export function removeSecret(db: Db, store: SecretStore, ref: SecretRef, actor: string): { keyring: boolean; metadata: boolean } {
  checkSecretName(ref.name);
  const keyring = store.delete(ref);
  const metadata = writeTx(db, () => {
    const had = deleteSecretMeta(db, ref.group, ref.agent, ref.name);
    if (had || keyring) audit(db, actor, 'secret_removed', { group: ref.group, agent: ref.agent, name: ref.name });
    return had;
  });
  if (!keyring && !metadata)
    throw notFound(`no secret ${ref.name} ${ref.agent ? `for agent ${ref.agent}` : 'shared by the group'} in group ${ref.group}`, 'see them with: agor secret list');
  return { keyring, metadata };
}

/** The group's secrets as the database records them (names and metadata only). */
export const listSecrets = (db: Db, group: string): SecretRow[] => listSecretMeta(db, group);

/** One secret agor.yaml names that the keyring lacks, in either scope. */
export interface MissingSecret {
  agent: string;
  /** The environment variable it would become. */
  name: string;
  /** The keyring name looked up, in the agent's scope, then the shared one. */
  from: string;
}

export interface CheckReport {
  group: string;
  keyring: { ok: boolean; kind?: KeyringErrorKind; message?: string; hint?: string };
  /** Secrets named by agor.yaml, counted once per agent. */
  named: number;
  missing: MissingSecret[];
  /** Named by an agent but found as a system secret (agor's own): never handed to a run. */
  system: MissingSecret[];
  ok: boolean;
}

/**
 * Can this process use the keyring, and would every agent get every secret agor.yaml
 * names? The same rule as a run's start (resolveRunSecrets: the agent's own scope, else
 * the shared one; system secrets withheld), so check says what the supervisor would do.
 * `open` is SecretStore.open, passed in so a keyring failure becomes part of the report.
 */
export function checkSecrets(config: ConfiguredSecrets, open: () => SecretStore, isSystem: (ref: SecretRef) => boolean = () => false): CheckReport {
  const named = config.agents.reduce((n, a) => n + a.secrets.length, 0);
  let store: SecretStore;
  try {
    store = open();
  } catch (e) {
    if (!(e instanceof KeyringError)) throw e;
    return { group: config.group, keyring: { ok: false, kind: e.kind, message: e.message, hint: e.hint }, named, missing: [], system: [], ok: false };
  }
  const missing: MissingSecret[] = [];
  const system: MissingSecret[] = [];
  for (const a of config.agents) {
    const r = resolveRunSecrets((ref) => store.get(ref), config.group, a.id, a.secrets, isSystem);
    for (const s of a.secrets) {
      if (r.missing.includes(s.from)) missing.push({ agent: a.id, name: s.name, from: s.from });
      else if (r.system.includes(s.from)) system.push({ agent: a.id, name: s.name, from: s.from });
    }
  }
  return { group: config.group, keyring: { ok: true }, named, missing, system, ok: missing.length === 0 && system.length === 0 };
}

/** Whether a keyring item is a system secret, from the metadata the database keeps. */
export function systemSecrets(db: Db, group: string): (ref: SecretRef) => boolean {
  const sys = new Set(
    listSecretMeta(db, group)
      .filter((r) => r.category === 'system')
      .map((r) => `${r.agent ?? '*'}/${r.name}`),
  );
  return (ref) => sys.has(`${ref.agent ?? '*'}/${ref.name}`);
}

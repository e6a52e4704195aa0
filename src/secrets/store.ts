import { Entry, type EntryOptions } from '@napi-rs/keyring';
import { usage } from '../core/errors.js';
import { KeyringError, classifyKeyringMessage, probeKeyring } from './errors.js';

export { KeyringError, type KeyringErrorKind } from './errors.js';

/** Where a secret lives: a group, and one agent of it or (null) the whole group. */
export interface SecretRef {
  group: string;
  agent: string | null;
  name: string;
}

/** Secret names are environment variable names: they become one in the agent's run. */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

/** Throws a usage error unless `name` is a valid secret name. */
export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name))
    throw usage(`invalid secret name '${name}'`, 'use an environment variable name: capital letters, digits and _, not starting with a digit (e.g. GITHUB_TOKEN)');
}

/** Keyring item naming: two groups on one machine never share an item. */
export const serviceOf = (ref: SecretRef): string => `agor:${ref.group}`;
export const accountOf = (ref: SecretRef): string => `${ref.agent ?? '*'}/${ref.name}`;

// Unpinned, the library silently falls back to the kernel keyring (keyutils), which
// does not persist and is not what the operator unlocked.
const PINNED: EntryOptions = { linux: { store: 'secret-service' } };

/** A library error as a KeyringError saying which part of the chain failed. */
function translate(e: unknown): never {
  if (e instanceof KeyringError) throw e;
  const message = e instanceof Error ? e.message : String(e);
  throw new KeyringError(classifyKeyringMessage(message), message);
}

/**
 * The OS keyring (Secret Service). Import this module lazily (await import) so that
 * --help never loads the native addon., pinned so that it never falls back to another store.
 * Values pass through here and nowhere else: nothing in this class writes to disk.
 */
export class SecretStore {
  private constructor() {}

  /**
   * Opens the keyring of this process's session bus after checking that it is reachable
   * and unlocked; throws KeyringError.
   */
  static open(): SecretStore {
    probeKeyring(process.env);
    return new SecretStore();
  }

  private entry(ref: SecretRef): Entry {
    checkSecretName(ref.name);
    try {
      return new Entry(serviceOf(ref), accountOf(ref), PINNED);
    } catch (e) {
      return translate(e);
    }
  }

  /** The value, or null when the keyring has no such item. */
  get(ref: SecretRef): string | null {
    const e = this.entry(ref);
    try {
      return e.getPassword() ?? null;
    } catch (err) {
      return translate(err);
    }
  }

  set(ref: SecretRef, value: string): void {
    const e = this.entry(ref);
    try {
      e.setPassword(value);
    } catch (err) {
      translate(err);
    }
  }

  /** True when an item was deleted, false when there was none. */
  delete(ref: SecretRef): boolean {
    const e = this.entry(ref);
    try {
      return e.deleteCredential();
    } catch (err) {
      return translate(err);
    }
  }
}

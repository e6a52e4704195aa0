import { Entry, type EntryOptions } from '@napi-rs/keyring';
import { KeyringError, classifyKeyringMessage, probeKeyring } from './errors.js';
import { type SecretRef, accountOf, checkSecretName, serviceOf } from './refs.js';

export { KeyringError, type KeyringErrorKind } from './errors.js';
export { type SecretRef, SECRET_NAME, accountOf, checkSecretName, serviceOf } from './refs.js';

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

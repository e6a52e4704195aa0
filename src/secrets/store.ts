/**
 * The keyring store's interface: items of the Secret Service named service `agor:<group>`,
 * account `<agent>/<NAME>` or `*\/<NAME>` when the group shares it. This version has no
 * store behind it yet: open() always says so, and only agents that name secrets ask.
 */
import { UserError } from '../core/errors.js';

export interface SecretRef {
  group: string;
  /** null: shared by the group. */
  agent: string | null;
  name: string;
}

/** The keyring cannot be used: which way, with the fix as the hint. */
export class KeyringError extends UserError {
  constructor(
    readonly kind: 'no-bus' | 'no-service' | 'locked' | 'other',
    message: string,
    hint?: string,
  ) {
    super(message, hint);
    this.name = 'KeyringError';
  }
}

export class SecretStore {
  private constructor() {}

  /** The keyring of this session; throws KeyringError when it cannot be reached. */
  static open(): SecretStore {
    throw new KeyringError('other', 'this build of agor has no keyring store', 'use a version of agor with agor secret');
  }

  get(_ref: SecretRef): string | null {
    return null;
  }

  set(_ref: SecretRef, _value: string): void {}

  delete(_ref: SecretRef): boolean {
    return false;
  }
}

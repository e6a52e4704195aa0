import { expect } from 'vitest';
import { UserError } from '../../src/core/errors.js';

/** Runs `fn`, expects it to throw a UserError, and returns that error. */
export function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

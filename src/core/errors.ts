/**
 * Exit codes shared by every agor binary. Documented in each man page; scripts test them.
 */
export const Exit = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  NOT_PERMITTED: 4,
  CONFLICT: 5,
  TIMEOUT: 6,
  BUSY: 7,
  DEAD_LETTER: 8,
} as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

const CODE_NAMES: Record<number, string> = {
  1: 'failure',
  2: 'usage',
  3: 'not_found',
  4: 'not_permitted',
  5: 'conflict',
  6: 'timeout',
  7: 'busy',
  8: 'dead_letter',
};

export function exitCodeName(code: number): string {
  return CODE_NAMES[code] ?? 'failure';
}

/**
 * An error the user can act on: one line on stderr, a hint, a documented exit code.
 * Anything else that escapes a command is a bug and prints its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly code: ExitCode = Exit.FAILURE,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export const usage = (message: string, hint?: string) => new UserError(message, hint, Exit.USAGE);
export const notFound = (message: string, hint?: string) => new UserError(message, hint, Exit.NOT_FOUND);
export const notPermitted = (message: string, hint?: string) => new UserError(message, hint, Exit.NOT_PERMITTED);
export const conflict = (message: string, hint?: string) => new UserError(message, hint, Exit.CONFLICT);

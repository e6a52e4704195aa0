/** The flags a message, task or comment text gets: possible prompt injection, and a credential's shape. */
import { tokenShapes } from '../core/tokens.js';
import { audit } from '../db/audit.js';
import type { Db } from '../db/open.js';
import { type InjectionFinding, detectInjection } from './injection.js';

/**
 * `secret_shaped`: the text holds what looks like a credential (an API key, a token, a
 * private key; see src/core/tokens.ts). Flagged, never blocked: it may be a test value,
 * and refusing would only make an agent retry with the token mangled.
 */
export type TextFlag = InjectionFinding | 'secret_shaped';

export const SECRET_SHAPED = 'secret_shaped';

/** Everything flagged in `text`: the injection findings, then secret_shaped. */
export function textFlags(text: string): TextFlag[] {
  const flags: TextFlag[] = detectInjection(text);
  if (tokenShapes(text).length) flags.push(SECRET_SHAPED);
  return flags;
}

/**
 * Audits what was flagged, by kind: `prompt_injection_detected` with the findings, and
 * `secret_shaped_detected` (never the text, which would copy the credential into the audit).
 */
export function auditFlags(db: Db, actor: string, subject: Record<string, unknown>, flags: readonly TextFlag[]): void {
  const findings = flags.filter((f) => f !== SECRET_SHAPED);
  if (findings.length) audit(db, actor, 'prompt_injection_detected', { ...subject, findings });
  if (flags.includes(SECRET_SHAPED)) audit(db, actor, 'secret_shaped_detected', subject);
}

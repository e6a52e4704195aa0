import { Exit, UserError, notFound, notPermitted, usage } from '../core/errors.js';
import { getAgent } from '../db/agents.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import { type WakeReason, type WakeRow, insertWake } from '../db/runs.js';
import { requireAgent } from '../msg/agents.js';
import { MAX_BODY_BYTES } from '../msg/body.js';
import { detectInjection } from '../msg/injection.js';
import { checkContact } from '../msg/messages.js';

export interface WakeRequest {
  agent: string;
  /** The kind of wake: 'manual' for agor wake, the control socket and the dashboard. */
  reason: WakeReason;
  /** Why, in a few words (shown to the agent and in agor runs). */
  detail: string | null;
  /** Text for the run to start with. */
  prompt: string | null;
  timeoutMs: number | null;
  /** Who asks: an agent's id, or admin for the operator. */
  by: string;
}

/** The bounds of a wake's own wall clock (`agor wake --timeout`, the socket's `timeout_ms`). */
export const WAKE_TIMEOUT_MIN_MS = 1000;
export const WAKE_TIMEOUT_MAX_MS = 7 * 86_400_000;

function checkText(text: string | null, what: string): void {
  if (text === null) return;
  if (text.includes('\0')) throw usage(`${what} contains a NUL byte`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BODY_BYTES) throw usage(`${what} is ${bytes} bytes, over the 1 MiB limit`, 'put large content in a file and give its path');
}

/**
 * Queues a wake of `o.agent` asked for by `o.by` (an agent, or admin for the operator),
 * under the rules of a message: its text goes into the woken agent's prompt. The one way
 * `agor wake`, the control socket and the dashboard queue a wake; message, task and review
 * wakes are queued by the message that causes them, in its transaction.
 *
 * The agent must be managed by agor. An agent may wake only those it may message (btmsg
 * send's contacts). Every wake is audited, and so is a refusal for want of a contact. Injection findings in the
 * detail or prompt are kept on the wake (the prompt shows them) and audited; like a
 * message's, they flag, they do not block.
 */
export function queueWake(db: Db, o: WakeRequest): WakeRow {
  const target = () => {
    const to = getAgent(db, o.agent);
    if (to?.managed !== 1) throw notFound(`no agent '${o.agent}' is managed by agor here`, 'agor ps lists the agents');
    return to;
  };
  // Once without the lock, so an unknown agent is refused without waiting behind writers;
  // again inside, where the answer counts.
  target();
  checkText(o.detail, 'reason');
  checkText(o.prompt, 'prompt');
  if (o.timeoutMs !== null && !(Number.isInteger(o.timeoutMs) && o.timeoutMs >= WAKE_TIMEOUT_MIN_MS && o.timeoutMs <= WAKE_TIMEOUT_MAX_MS)) {
    throw usage(`invalid timeout of ${o.timeoutMs} ms`, 'give from 1 s to 7 days');
  }
  const findings = detectInjection([o.detail ?? '', o.prompt ?? ''].join('\n'));
  const flags = findings.length ? findings.join(',') : null;
  try {
    return writeTx(db, () => {
      const me = requireAgent(db, o.by);
      const to = target();
      if (me.id !== to.id) {
        try {
          checkContact(db, me, to);
        } catch (e) {
          if (e instanceof UserError && e.code === Exit.NOT_PERMITTED) {
            throw notPermitted(`${me.id} may not wake ${to.id}: not a contact`, `ask the operator: btmsg allow ${me.id} ${to.id}`);
          }
          throw e;
        }
      }
      const w = insertWake(db, { agent: to.id, reason: o.reason, detail: o.detail, prompt: o.prompt, timeout_ms: o.timeoutMs, requested_by: me.id, flags });
      // The audit keeps the name `reason` for the free text, as it always has.
      audit(db, me.id, 'agent_wake', { agent: to.id, wake: w.id, reason: o.detail, prompt: o.prompt, ...(flags ? { flags: findings } : {}) });
      if (flags) audit(db, me.id, 'prompt_injection_detected', { wake: w.id, to: to.id, findings });
      return w;
    });
  } catch (e) {
    if (e instanceof UserError && e.code === Exit.NOT_PERMITTED) {
      writeTx(db, () => audit(db, o.by, 'agent_wake_refused', { agent: o.agent, reason: o.detail, prompt: o.prompt, why: e.message }));
    }
    throw e;
  }
}

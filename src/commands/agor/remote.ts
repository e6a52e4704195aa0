import type { ArgumentsCamelCase } from 'yargs';
import { emit } from '../../cli/output.js';
import type { GlobalArgs } from '../../cli/run.js';
import { usage } from '../../core/errors.js';
import type { AuditEntry } from '../../msg/audit.js';
import type { RelayClient } from '../../relay/client.js';
import type { AuditEntry as RelayAuditEntry } from '../../supervisor/reads.js';
import type { AgentView } from '../../supervisor/protocol.js';
import type { RunView } from '../../supervisor/views.js';
import type { ApprovalView } from '../../supervisor/approvals.js';
import { auditLines } from '../btmsg/audit.js';
import { decisionLine } from './approval.js';
import { controlLines } from './control.js';
import type { HostVerb } from './host-option.js';
import { type LogsArgs, linesOf, logPrinter } from './logs.js';
import { psLines } from './ps.js';
import { reloadLines } from './reload.js';
import type { ReloadResult } from '../../supervisor/reload.js';
import { runLines } from './runs.js';
import type { WakeArgs } from './wake.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = ArgumentsCamelCase<GlobalArgs & Record<string, any>>;

/** Connects to a host of hosts.yaml: its pin checked before its token goes out. */
async function connectHost(name: string): Promise<RelayClient> {
  const [{ hostTarget }, { RelayClient }] = await Promise.all([import('../../relay/hosts.js'), import('../../relay/client.js')]);
  return RelayClient.connect(await hostTarget(name));
}

/**
 * Runs a verb on another machine through its agor-relay: the same arguments and the same
 * output as the local verb, the data from the relay.
 */
export async function runRemote(verb: HostVerb, host: string, argv: Args): Promise<void> {
  const limitArg = typeof argv.limit === 'number' ? argv.limit : undefined;
  // Checked before connecting: a mistake costs no round trip and no failed-token count.
  if (verb === 'audit' && argv.since !== undefined) throw usage('--since is not available with --host', 'use -n to say how many of the newest entries to show');
  const lines = verb === 'logs' ? await linesOf((argv as unknown as LogsArgs).lines) : 0;
  const timeoutMs = verb === 'wake' ? await wakeTimeoutMs(argv as unknown as WakeArgs) : null;
  if (verb === 'reload' && argv.file !== undefined) throw usage('-f is not available with --host', "the host's supervisor re-reads the agor.yaml it runs");
  const request = verb === 'approve' || verb === 'deny' ? Number(argv.id) : 0;
  if ((verb === 'approve' || verb === 'deny') && !(Number.isInteger(request) && request >= 1))
    throw usage(`invalid request id '${String(argv.id)}'`, 'agor approval list shows the ids');
  const c = await connectHost(host);
  try {
    switch (verb) {
      case 'ps':
        return emit(argv.json, await c.request<AgentView[]>('list'), psLines);
      case 'start':
      case 'stop':
      case 'restart':
        return emit(argv.json, await c.request<AgentView[]>(verb, { agents: argv.agents as string[] }), controlLines);
      case 'wake': {
        const a = argv as unknown as WakeArgs;
        const w = await c.request<{ id: number; agent: string; flags?: string | null }>('wake', {
          agent: a.agent,
          ...(a.reason !== undefined ? { reason: a.reason } : {}),
          ...(a.prompt !== undefined ? { prompt: a.prompt } : {}),
          ...(timeoutMs !== null ? { timeout_ms: timeoutMs } : {}),
        });
        const live = c.hello.supervisor !== null;
        return emit(argv.json, { ...w, supervisor_running: live }, (r) => [
          `queued wake #${r.id} for ${r.agent} on ${host}`,
          ...(r.flags ? [`  flagged as a possible prompt injection (${r.flags}): the agent is told so, and the audit log records it`] : []),
          live ? '  its supervisor delivers it now (or after the current run)' : `  no supervisor is running on ${host}: it waits for agor up there`,
        ]);
      }
      case 'reload':
        return emit(argv.json, await c.request<ReloadResult>('reload', { dry_run: argv.dryRun === true }), reloadLines);
      case 'runs':
        return emit(argv.json, await c.request<RunView[]>('runs', { agent: argv.agent as string | undefined, limit: limitArg }), runLines);
      case 'audit': {
        const es = await c.request<RelayAuditEntry[]>('audit', { agent: argv.agent as string | undefined, type: argv.type as string | undefined, limit: limitArg });
        return emit(argv.json, es.map(asLocalAudit), auditLines);
      }
      case 'logs':
        return await remoteLogs(c, argv as unknown as LogsArgs & GlobalArgs, lines);
      case 'approve':
      case 'deny': {
        const note = typeof argv.note === 'string' ? { note: argv.note } : {};
        return emit(argv.json, await c.request<ApprovalView>(verb, { request, ...note }), decisionLine);
      }
    }
  } finally {
    c.close();
  }
}

/** --timeout of wake in ms, checked as the local verb checks it. */
async function wakeTimeoutMs(a: WakeArgs): Promise<number | null> {
  if (a.timeout === undefined) return null;
  const [{ parseDuration }, { WAKE_TIMEOUT_MIN_MS, WAKE_TIMEOUT_MAX_MS }] = await Promise.all([
    import('../../core/durations.js'),
    import('../../supervisor/wake.js'),
  ]);
  const ms = parseDuration(a.timeout, 'timeout') * 1000;
  if (ms < WAKE_TIMEOUT_MIN_MS || ms > WAKE_TIMEOUT_MAX_MS) throw usage(`invalid timeout '${a.timeout}'`, 'give from 1s to 7d');
  return ms;
}

/** The relay's audit entry as local `agor audit` prints it: the detail's JSON parsed. */
function asLocalAudit(e: RelayAuditEntry): AuditEntry {
  let detail: unknown = e.detail === '' ? null : e.detail;
  try {
    detail = e.detail ? JSON.parse(e.detail) : null;
  } catch {
    /* plain text, as the earlier tools wrote it */
  }
  return { id: e.id, agent: e.agent, type: e.type, detail, created_at: e.created_at };
}

/** The last lines of an agent's log, and with -f its new output as the relay sends it, until interrupted. */
async function remoteLogs(c: RelayClient, a: LogsArgs & GlobalArgs, lines: number): Promise<void> {
  const print = await logPrinter(a);
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  // Set before asking: the first events may come right behind the answer.
  c.onEvent = (ev) => {
    const text = str(ev.text);
    if (ev.event === 'log' && text) print(str(ev.agent) ?? a.agent, str(ev.run), text);
  };
  const r = await c.request<{ run: string | null; lines: string[] }>('logs', { agent: a.agent, lines, follow: !!a.follow, ...(a.run ? { run: a.run } : {}) });
  const got = Array.isArray(r?.lines) ? r.lines.filter((l): l is string => typeof l === 'string') : [];
  if (got.length) print(a.agent, str(r.run), got.join('\n') + '\n');
  if (!a.follow) return;
  await c.closed;
  const { UserError } = await import('../../core/errors.js');
  throw new UserError(`the connection to ${c.url} was lost: ${c.closeReason ?? 'closed'}`, 'agor logs -f again follows from the last lines');
}

import { color } from '../../cli/color.js';
import { agoSeconds, emit, table } from '../../cli/output.js';
import { Exit, UserError, usage } from '../../core/errors.js';
import { parseDuration } from '../../core/durations.js';
import { myId } from '../../core/identity.js';
import type { ApprovalView } from '../../supervisor/approvals.js';
import { type FileArgs, type Verb, fileOption, openFor, withDb } from './shared.js';

/** The exit code of a request that ended other than approved: denied 4, timed out 6. */
const EXIT_OF: Record<string, number> = { denied: Exit.NOT_PERMITTED, timeout: Exit.TIMEOUT, cancelled: Exit.FAILURE };

/** One line for a decided (or pending) request: what the CLI and `--host` print. */
export const decisionLine = (v: ApprovalView): string[] => {
  const c = color();
  const what = v.status === 'approved' ? c.green('approved') : v.status === 'pending' ? c.yellow('pending') : c.red(v.status);
  const by = v.decided_by && v.status !== 'timeout' ? ` by ${v.decided_by}` : '';
  return [`request ${v.id} ${what}${by}: ${v.action}${v.note ? ` (${v.note})` : ''}`];
};

function until(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 0) return 'now';
  return s < 60 ? `in ${s}s` : s < 3600 ? `in ${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}` : `in ${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * An agent's sandbox may not let it read agor.yaml: asking still works then, without the
 * policy's auto-approvals and timeout. A file given with -f, or one that is not valid, is an error.
 */
function readableSettings<T>(fn: () => T, file: string | undefined): T | { policy: { autoApprove: null; timeoutMs: null }; stallAfterMs: null } {
  try {
    return fn();
  } catch (e) {
    if (file !== undefined || !(e instanceof UserError) || e.code !== Exit.FAILURE) throw e;
    process.stderr.write(`agor: warning: ${e.message}; asking without the approvals policy of agor.yaml\n`);
    return { policy: { autoApprove: null, timeoutMs: null }, stallAfterMs: null };
  }
}

interface RequestArgs extends FileArgs {
  action: string;
  detail?: string;
  timeout?: string;
}

const request: Verb<RequestArgs> = {
  command: 'request',
  describe: 'Ask the operator before a risky action and wait: exit 0 approved, 4 denied, 6 timed out (timeout denies)',
  builder: (y) =>
    fileOption(
      y
        .option('action', { type: 'string', requiresArg: true, demandOption: true, describe: 'What the agent is about to do, e.g. "rm -rf build"' })
        .option('detail', { type: 'string', requiresArg: true, describe: 'Why, or the full command; - reads it from stdin' })
        .option('timeout', { type: 'string', requiresArg: true, describe: 'Deny after this long (default: approvals.timeout of agor.yaml, else 10m; at most 24h)' }),
    ),
  handler: async (argv) => {
    const timeoutArg = argv.timeout !== undefined ? parseDuration(argv.timeout, 'timeout') * 1000 : undefined;
    const A = await import('../../supervisor/approvals.js');
    if (timeoutArg !== undefined && (timeoutArg <= 0 || timeoutArg > A.MAX_APPROVAL_TIMEOUT_MS))
      throw usage(`invalid --timeout '${argv.timeout}'`, 'give a duration above 0 and at most 24h');
    const detail = argv.detail === undefined ? null : argv.detail === '-' ? await (await import('../../cli/input.js')).readBody(['-']) : argv.detail;
    const agent = myId();
    const runId = process.env.AGOR_RUN_ID || null;
    const { db } = await openFor(argv);
    const controller = new AbortController();
    let row;
    const onSignal = (sig: NodeJS.Signals) => controller.abort(sig);
    try {
      const { policy, stallAfterMs } = readableSettings(() => A.settingsFor(db, agent, argv.file), argv.file);
      row = A.requestApproval(db, {
        agent,
        runId,
        action: argv.action,
        detail,
        timeoutMs: timeoutArg ?? policy.timeoutMs ?? A.DEFAULT_APPROVAL_TIMEOUT_MS,
        autoApprove: A.matchesAny(policy.autoApprove, argv.action),
      });
      if (!argv.json && row.status === 'pending') process.stderr.write(`waiting for approval of request ${row.id} (agor approve ${row.id} / agor deny ${row.id})\n`);
      // Interrupted while waiting: the request is withdrawn, not left for the operator.
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        row = await A.waitForDecision(db, row.id, { signal: controller.signal, beatMs: A.beatInterval(stallAfterMs) });
      } catch (e) {
        if (!controller.signal.aborted) throw e;
        const sig = controller.signal.reason as NodeJS.Signals;
        A.cancelApproval(db, row.id, agent);
        process.stderr.write(`request ${row.id} cancelled (${sig})\n`);
        process.exitCode = sig === 'SIGINT' ? 130 : 143;
        return;
      }
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      db.close();
    }
    const view = A.approvalView(row);
    emit(argv.json, view, decisionLine);
    if (view.status !== 'approved') process.exitCode = EXIT_OF[view.status] ?? Exit.FAILURE;
  },
};

const list: Verb<{ all?: boolean }> = {
  command: 'list',
  describe: 'Pending approval requests (all of them, decided too, with --all)',
  builder: (y) => y.option('all', { alias: 'a', type: 'boolean', describe: 'Every request, newest 1000, whatever its status' }),
  handler: async (argv) => {
    const { listApprovals } = await import('../../supervisor/approvals.js');
    const rows = await withDb(argv, (db) => listApprovals(db, { all: argv.all }));
    emit(argv.json, rows, (rs) => {
      const c = color();
      if (!rs.length) return [c.dim(argv.all ? 'no approval requests' : 'no pending approval requests')];
      const now = Date.now();
      return table([
        ['ID', 'AGENT', 'ACTION', 'DETAIL', 'AGE', argv.all ? 'STATUS' : 'EXPIRES'].map((h) => c.bold(h)),
        ...rs.map((r) => [
          String(r.id),
          r.agent,
          r.action,
          (r.detail ?? '').split('\n')[0]!.slice(0, 60),
          agoSeconds(Math.round((now - Date.parse(r.created_at)) / 1000)),
          argv.all ? `${r.status}${r.decided_by && r.status !== 'timeout' ? ` (${r.decided_by})` : ''}` : until(r.expires_at, now),
        ]),
      ]);
    });
  },
};

/**
 * Exit 1 means "not required" to hook scripts: an agor.yaml that cannot be read must not
 * say that, so its failure exits 2 like a bad agor.yaml does.
 */
function unreadableIsUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError && e.code === Exit.FAILURE) throw new UserError(e.message, e.hint, Exit.USAGE);
    throw e;
  }
}

const required: Verb<FileArgs & { action: string; agent?: string }> = {
  command: 'required',
  describe: "For hook scripts: exit 0 when the action matches approvals.required_for of this agent's agor.yaml, 1 otherwise",
  builder: (y) =>
    fileOption(
      y
        .option('action', { type: 'string', requiresArg: true, demandOption: true, describe: 'The action to check, e.g. the shell command' })
        .option('agent', { type: 'string', requiresArg: true, describe: 'The agent whose policy applies (default: $BTMSG_AGENT_ID)' }),
    ),
  handler: async (argv) => {
    const A = await import('../../supervisor/approvals.js');
    const agent = argv.agent ?? myId();
    const r = await withDb(argv, (db) => {
      const p = unreadableIsUsage(() => A.settingsFor(db, agent, argv.file)).policy;
      const pattern = (p.requiredFor ?? []).find((x) => A.actionMatches(x, argv.action)) ?? null;
      return { agent, action: argv.action, required: pattern !== null, pattern, auto_approve: A.matchesAny(p.autoApprove, argv.action) };
    });
    emit(argv.json, r, (x) => [x.required ? `approval required for ${x.agent} (matches ${x.pattern})` : `no approval required for ${x.agent}`]);
    if (!r.required) process.exitCode = Exit.FAILURE;
  },
};

export const approval: Verb<object> = {
  command: 'approval',
  describe: 'Human approvals of risky actions: request | list | required',
  builder: (y) => y.command([request, list, required] as never).demandCommand(1, 'approval needs a verb: request, list or required'),
  handler: () => {},
};

/** approve and deny: one shape, one decision each. */
function decideVerb(decision: 'approved' | 'denied'): Verb<{ id: string; note?: string }> {
  const verb = decision === 'approved' ? 'approve' : 'deny';
  return {
    command: `${verb} <id>`,
    describe: decision === 'approved' ? 'Approve a pending request: its agent goes ahead' : 'Deny a pending request: its agent gets exit 4',
    builder: (y) =>
      y
        .positional('id', { type: 'string', describe: 'Request id (agor approval list)' })
        .option('note', { type: 'string', requiresArg: true, describe: 'Why, shown to the agent' }),
    handler: async (argv) => {
      const id = Number(argv.id);
      if (!Number.isInteger(id) || id < 1) throw usage(`invalid request id '${argv.id}'`, 'agor approval list shows the ids');
      const A = await import('../../supervisor/approvals.js');
      const actor = myId();
      const row = await withDb(argv, (db) => A.decideApproval(db, { id, decision, by: actor, note: argv.note ?? null, actor }));
      emit(argv.json, A.approvalView(row), decisionLine);
    },
  };
}

export const approve = decideVerb('approved');
export const deny = decideVerb('denied');

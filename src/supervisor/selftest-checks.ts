import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Exit } from '../core/errors.js';
import { type Db, openDb } from '../db/open.js';
import { allow, heartbeat, register } from '../msg/agents.js';
import { inbox } from '../msg/messages.js';
import { NO_LIMITS, SANDBOX_DEFAULTS } from '../sandbox/policy.js';
import { sandboxPlan } from '../sandbox/plan.js';
import { add, list } from '../task/board.js';
import { agorRoot, helperPath, probeKernel } from './contain.js';
import { type CallResult, type Procs, firstLine } from './selftest-procs.js';

export type Verdict = 'pass' | 'fail' | 'skip';

/** One check's outcome: its verdict, the figures behind it, and one line saying why. */
export interface CheckResult {
  name: string;
  verdict: Verdict;
  figures: Record<string, number | string>;
  detail: string;
}

/** What every check gets: the processes runner and a directory of its own. */
export interface CheckContext {
  procs: Procs;
  dir: string;
}

const ADMIN = 'admin';
const GROUP = 'selftest';
const short = (id: string) => id.slice(0, 8);

/** A fresh database for one check, with `agents` registered (id -> role). */
function setup(dir: string, name: string, agents: Record<string, string>): { db: Db; path: string } {
  const path = join(dir, `${name}.db`);
  const db = openDb({ path, warn: () => {} });
  for (const [id, role] of Object.entries(agents)) register(db, ADMIN, { id, name: id, role, group: GROUP });
  return { db, path };
}

const parseId = (r: CallResult): string | null => {
  try {
    return (JSON.parse(r.stdout) as { id?: string }).id ?? null;
  } catch {
    return null;
  }
};

/** Runs `fn` with the figures every check reports: processes started and wall time. */
async function timed(ctx: CheckContext, fn: (f: Record<string, number | string>) => Promise<Omit<CheckResult, 'figures'>>): Promise<CheckResult> {
  const before = ctx.procs.started;
  const t0 = Date.now();
  const figures: Record<string, number | string> = {};
  const r = await fn(figures);
  return { name: r.name, verdict: r.verdict, figures: { processes: ctx.procs.started - before, duration_ms: Date.now() - t0, ...figures }, detail: r.detail };
}

/** (1) N claimers race over M tasks with `bttask claim` until none is left. */
export function claimsCheck(ctx: CheckContext, claimers: number, tasks: number): Promise<CheckResult> {
  const name = 'claims';
  return timed(ctx, async (f) => {
    const ids = Array.from({ length: claimers }, (_, i) => `claimer${i + 1}`);
    const { db, path } = setup(ctx.dir, name, Object.fromEntries(ids.map((id) => [id, 'project'])));
    try {
      for (let i = 0; i < tasks; i++) add(db, ADMIN, { title: `selftest task ${i + 1}` });
      const by = new Map<string, string[]>();
      const errors: string[] = [];
      await Promise.all(
        ids.map(async (who) => {
          for (let n = 0; n <= tasks && !ctx.procs.interrupted; n++) {
            const r = await ctx.procs.run('bttask', ['claim', '--json'], path, who);
            if (r.code === Exit.NOT_FOUND) return;
            const id = r.code === 0 ? parseId(r) : null;
            if (id === null) errors.push(`${who}: exit ${r.code}: ${firstLine(r)}`);
            else by.set(id, [...(by.get(id) ?? []), who]);
          }
        }),
      );
      const twice = [...by.entries()].filter(([, w]) => w.length > 1);
      const held = list(db, ADMIN, { all: true, limit: tasks + 1 }).filter((t) => t.status === 'progress' && t.lease !== null).length;
      const lost = tasks - by.size;
      Object.assign(f, { claimers, tasks, claimed: by.size, claimed_twice: twice.length, lost, errors: errors.length, held });
      if (twice.length) {
        const [id, w] = twice[0]!;
        return {
          name,
          verdict: 'fail',
          detail: `task ${short(id)} claimed ${w.length === 2 ? 'twice' : `${w.length} times`} (by ${w.join(', ')}); ${twice.length} task(s) claimed more than once`,
        };
      }
      if (errors.length) return { name, verdict: 'fail', detail: `${errors.length} claim(s) failed with other than "nothing ready": ${errors[0]}` };
      if (lost > 0 || held !== tasks) return { name, verdict: 'fail', detail: `${lost} task(s) never claimed; ${held} of ${tasks} held under a lease` };
      return { name, verdict: 'pass', detail: `${claimers} claimers took ${tasks} tasks, each exactly once` };
    } finally {
      db.close();
    }
  });
}

/** (2) Two claimers race for one named task, K times: one wins, the other is told it lost (exit 5). */
export function racesCheck(ctx: CheckContext, races: number): Promise<CheckResult> {
  const name = 'races';
  return timed(ctx, async (f) => {
    const { db, path } = setup(ctx.dir, name, { racer1: 'project', racer2: 'project' });
    try {
      let clean = 0;
      const bad: string[] = [];
      for (let k = 0; k < races && !ctx.procs.interrupted; k++) {
        const t = add(db, ADMIN, { title: `selftest race ${k + 1}` });
        const rs = await Promise.all(['racer1', 'racer2'].map((who) => ctx.procs.run('bttask', ['claim', t.id, '--json'], path, who)));
        const won = rs.filter((r) => r.code === 0).length;
        const lostRight = rs.filter((r) => r.code === Exit.CONFLICT).length;
        if (won === 1 && lostRight === 1) clean++;
        else if (won === 2) bad.push(`race ${k + 1}: both claimers won task ${short(t.id)}`);
        else bad.push(`race ${k + 1}: exits ${rs.map((r) => r.code).join(' and ')}, not 0 and ${Exit.CONFLICT}: ${rs.map(firstLine).filter(Boolean).join('; ')}`);
      }
      Object.assign(f, { races, one_winner: clean, wrong: bad.length });
      if (bad.length) return { name, verdict: 'fail', detail: `${bad.length} of ${races} races went wrong; first: ${bad[0]}` };
      return { name, verdict: 'pass', detail: `${races} races, one winner each; every loser exited ${Exit.CONFLICT} (conflict)` };
    } finally {
      db.close();
    }
  });
}

/** (3) S senders send T messages each at once with `btmsg send`: all stored once, none refused. */
export function messagesCheck(ctx: CheckContext, senders: number, messages: number): Promise<CheckResult> {
  const name = 'messages';
  return timed(ctx, async (f) => {
    const { db, path } = setup(ctx.dir, name, { sender: 'manager', reader: 'project' });
    try {
      allow(db, ADMIN, 'sender', 'reader', true);
      // A recipient with a recent heartbeat: a message to it is stored, not dead-lettered.
      heartbeat(db, 'reader');
      const refused: string[] = [];
      let busy = 0;
      await Promise.all(
        Array.from({ length: senders }, async (_, p) => {
          for (let i = 0; i < messages && !ctx.procs.interrupted; i++) {
            const r = await ctx.procs.run('btmsg', ['send', 'reader', `s${p}-m${i}`], path, 'sender');
            if (r.code === Exit.BUSY) busy++;
            if (r.code !== 0) refused.push(`send s${p}-m${i}: exit ${r.code}: ${firstLine(r)}`);
          }
        }),
      );
      const want = senders * messages;
      const counts = new Map<string, number>();
      for (const m of inbox(db, 'reader', { all: true, limit: want + 100 }).messages) counts.set(m.content, (counts.get(m.content) ?? 0) + 1);
      const dup = [...counts.values()].filter((n) => n > 1).length;
      let missing = 0;
      for (let p = 0; p < senders; p++) for (let i = 0; i < messages; i++) if (!counts.has(`s${p}-m${i}`)) missing++;
      Object.assign(f, { senders, per_sender: messages, sent: want - refused.length, stored: counts.size, duplicated: dup, lost: missing, refused_busy: busy });
      if (refused.length) return { name, verdict: 'fail', detail: `${refused.length} send(s) refused (${busy} as busy); first: ${refused[0]}` };
      if (dup || missing) return { name, verdict: 'fail', detail: `${missing} message(s) lost, ${dup} stored more than once` };
      return { name, verdict: 'pass', detail: `${want} messages from ${senders} concurrent senders, each stored exactly once` };
    } finally {
      db.close();
    }
  });
}

/** (4) A claim with a 1 s lease lapses; its holder's `bttask status done` is refused (exit 5). */
export function leaseCheck(ctx: CheckContext): Promise<CheckResult> {
  const name = 'lease';
  return timed(ctx, async (f) => {
    const { db, path } = setup(ctx.dir, name, { holder: 'project' });
    try {
      const t = add(db, ADMIN, { title: 'selftest lease' });
      const c = await ctx.procs.run('bttask', ['claim', t.id, '--lease', '1s', '--json'], path, 'holder');
      if (c.code !== 0) return { name, verdict: 'fail', detail: `the claim itself failed: exit ${c.code}: ${firstLine(c)}` };
      const expires = (JSON.parse(c.stdout) as { lease?: { expires_at?: string } }).lease?.expires_at;
      // A real lease, so real time: wait until the second it ends has passed.
      const until = (expires ? Date.parse(expires) : Date.now() + 1000) + 1000;
      while (Date.now() < until && !ctx.procs.interrupted) await sleep(Math.min(100, Math.max(0, until - Date.now())));
      const w = await ctx.procs.run('bttask', ['status', t.id, 'done'], path, 'holder');
      const after = list(db, ADMIN, { all: true, limit: 10 }).find((x) => x.id === t.id);
      Object.assign(f, { lease_s: 1, exit: w.code, status_after: after?.status ?? 'gone' });
      if (w.code !== Exit.CONFLICT)
        return { name, verdict: 'fail', detail: `the lapsed holder's write exited ${w.code}, not ${Exit.CONFLICT}: ${firstLine(w) || 'accepted'}` };
      if (after?.status !== 'todo') return { name, verdict: 'fail', detail: `the task is ${after?.status ?? 'gone'}, not back in todo` };
      return { name, verdict: 'pass', detail: `the lapsed holder's write was refused (exit ${Exit.CONFLICT}) and the task went back to todo` };
    } finally {
      db.close();
    }
  });
}

/** (5) The sandbox helper, applied as the supervisor applies it, blocks a write outside the agent's paths. */
export function sandboxCheck(ctx: CheckContext): Promise<CheckResult> {
  const name = 'sandbox';
  return timed(ctx, async (f) => {
    const helper = helperPath();
    if (!helper) return { name, verdict: 'skip', detail: 'no sandbox helper (agor-sandbox) beside agor: npm run build makes it' };
    const probe = probeKernel(helper);
    f.landlock_abi = probe?.landlockAbi ?? 0;
    if (!probe || probe.landlockAbi <= 0)
      return { name, verdict: 'skip', detail: `the kernel has no Landlock (${probe?.landlockUnavailable ?? 'the helper could not probe it'})` };
    const [cwd, tmp, data, outside] = ['agent', 'agent-tmp', 'agent-data', 'outside'].map((d) => join(ctx.dir, 'sandbox', d)) as [string, string, string, string];
    for (const d of [cwd, tmp, data, outside]) mkdirSync(d, { recursive: true });
    const blocked = join(outside, 'written');
    const allowed = join(cwd, 'written');
    const script = `echo x > '${blocked}'; echo "outside=$?"; echo x > '${allowed}'; echo "inside=$?"`;
    const plan = sandboxPlan({
      agent: { sandbox: { ...SANDBOX_DEFAULTS, mode: 'required' }, limits: NO_LIMITS, runAs: null, cwd, env: {} },
      command: ['sh', '-c', script],
      probe,
      helper,
      paths: { tmpdir: tmp, dataDir: data, nodeBin: process.execPath, agorRoot: agorRoot(helper), home: homedir() },
      cgroup: { dirs: [], memory: false, pids: false },
    });
    if (plan.refusal) return { name, verdict: 'fail', detail: `the sandbox refused to start: ${plan.refusal}` };
    const [bin, ...args] = plan.argv as [string, ...string[]];
    const r = spawnSync(bin, args, { cwd, env: { ...process.env, ...plan.env }, encoding: 'utf8', timeout: 30_000 });
    ctx.procs.started++;
    const out = r.stdout ?? '';
    const outsideFailed = /outside=[1-9]/.test(out);
    const insideOk = /inside=0/.test(out) && existsSync(allowed) && readFileSync(allowed, 'utf8') === 'x\n';
    const absent = !existsSync(blocked);
    Object.assign(f, {
      outside_write: outsideFailed && absent ? 'blocked' : 'allowed',
      inside_write: insideOk ? 'allowed' : 'failed',
      summary: plan.inForce.summary,
    });
    if (r.status !== 0) return { name, verdict: 'fail', detail: `the sandboxed command exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n')[0]}` };
    if (!outsideFailed || !absent) return { name, verdict: 'fail', detail: `a write outside the agent's paths succeeded: ${blocked} exists` };
    if (!insideOk) return { name, verdict: 'fail', detail: `a write inside the agent's cwd failed too, so the check proves nothing: ${out.trim()}` };
    return { name, verdict: 'pass', detail: `a write outside the agent's paths was refused and left no file; a write in its cwd worked (${plan.inForce.summary})` };
  });
}

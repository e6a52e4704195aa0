/**
 * `agor doctor`: what this machine offers for containing agents and what is in force,
 * and whether each configured agent can run as its agor.yaml asks.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { journalMode, sqliteFacts } from '../db/facts.js';
import { openReadOnly } from '../db/open.js';
import { getSupervisor } from '../db/runs.js';
import { type CgroupSupport, detectCgroups } from '../sandbox/cgroup.js';
import { type GroupConfig, loadConfig } from './config.js';
import { NO_PROBE, agorRoot, helperPath, probeKernel } from './contain.js';
import { type Probe, sandboxPlan } from '../sandbox/plan.js';
import { type DesktopStatus, probeDesktopSync } from './notify-desktop.js';

export interface FileFacts {
  path: string;
  exists: boolean;
  /** Permission bits as octal text (e.g. "0600"), null when missing. */
  mode: string | null;
  owner: number | null;
  /** Whether other users can read or write it (group or other bits). */
  shared: boolean;
}

export interface AgentCheck {
  agent: string;
  ok: boolean;
  /** What would confine its runs. */
  sandbox: string;
  /** Why it cannot run as configured (empty when ok). */
  problems: string[];
  /** What would be weaker than asked, without stopping it (best-effort). */
  warnings: string[];
}

export interface DoctorReport {
  kernel: { release: string; landlock_abi: number; landlock_unavailable: string | null; landlock_net: boolean; seccomp_filter: boolean };
  helper: { path: string | null; works: boolean };
  cgroups: CgroupSupport;
  users: { euid: number; run_as_other_users: boolean };
  sqlite: { version: string; wal: boolean; wal_problem: string | null };
  database: FileFacts & { journal_mode: string | null };
  control_socket: (FileFacts & { supervisor_pid: number }) | null;
  config: { file: string | null; error: string | null };
  agents: AgentCheck[];
  /** Desktop notifications as the supervisor would find them from this environment (`notify:` in agor.yaml, the session bus). */
  notifications: DesktopStatus;
  ok: boolean;
}

function fileFacts(path: string): FileFacts {
  try {
    const st = statSync(path);
    return { path, exists: true, mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), owner: st.uid, shared: (st.mode & 0o066) !== 0 };
  } catch {
    return { path, exists: false, mode: null, owner: null, shared: false };
  }
}

/** Whether each agent of `config` can start as configured on a machine with these facts. */
export function checkAgents(config: GroupConfig, probe: Probe | null, helper: string | null, cgroups: CgroupSupport, dbPath: string): AgentCheck[] {
  const checks = config.agents.map((a) => {
    const problems: string[] = [];
    if (!helper && a.sandbox.mode !== 'off') {
      problems.push('the sandbox helper agor-sandbox is missing: run npm run build (it needs a C compiler), or set sandbox: off');
      return { agent: a.id, ok: false, sandbox: 'refused', problems, warnings: [] };
    }
    if (!helper) return { agent: a.id, ok: true, sandbox: 'off (no helper)', problems, warnings: [] };
    const plan = sandboxPlan({
      agent: a,
      command: a.command,
      probe: probe ?? NO_PROBE,
      helper,
      paths: {
        tmpdir: join(dirname(dbPath), 'tmp', a.id),
        dataDir: dirname(dbPath),
        nodeBin: process.execPath,
        agorRoot: agorRoot(helper),
        home: homedir(),
      },
      // The summary only: the run's own cgroup is made when it starts.
      cgroup: { dirs: cgroups.membership ? [cgroups.membership] : [], memory: cgroups.memory !== null, pids: cgroups.pids !== null },
    });
    if (plan.refusal) problems.push(plan.refusal);
    const warnings = [...plan.warnings];
    if (cgroups.version === 'none') warnings.push(`no cgroup: ${cgroups.why ?? 'none offered'}; children are ended through the process group only`);
    return { agent: a.id, ok: problems.length === 0, sandbox: plan.inForce.summary, problems, warnings };
  });
  // The sandbox does not keep one process from reading another's /proc/PID/environ when both run as one user.
  const uid = (a: GroupConfig['agents'][number]) => a.runAs?.uid ?? process.geteuid?.() ?? -1;
  for (const [i, a] of config.agents.entries()) {
    if (!a.secrets.length) continue;
    const peers = config.agents.filter((b) => b !== a && uid(b) === uid(a)).map((b) => b.id);
    if (peers.length)
      checks[i]!.warnings.push(
        `its secrets are in its environment, which ${peers.join(', ')} can read too (/proc/PID/environ, the same Unix user): give the agents a user: of their own`,
      );
  }
  return checks;
}

export interface DoctorOptions {
  dbPath: string;
  /** agor.yaml to check (-f), else ./agor.yaml when there is one. */
  configFile?: string;
  cwd?: string;
}

/** Gathers the report; reads only (a scratch file in the temporary directory tests WAL). */
export function doctor(o: DoctorOptions): DoctorReport {
  const helper = helperPath();
  const probe = probeKernel(helper);
  const cgroups = detectCgroups();
  const sqlite = sqliteFacts(existsSync(dirname(o.dbPath)) ? dirname(o.dbPath) : tmpdir());
  const database = { ...fileFacts(o.dbPath), journal_mode: existsSync(o.dbPath) ? journalMode(o.dbPath) : null };
  let control_socket: DoctorReport['control_socket'] = null;
  if (database.exists) {
    try {
      const db = openReadOnly({ path: o.dbPath, busyTimeoutMs: 2000 });
      try {
        const sup = getSupervisor(db);
        if (sup) control_socket = { ...fileFacts(sup.socket), supervisor_pid: sup.pid };
      } finally {
        db.close();
      }
    } catch {
      /* an unreadable database is reported by its file facts */
    }
  }
  const cwd = o.cwd ?? process.cwd();
  let config: GroupConfig | null = null;
  const cfg: DoctorReport['config'] = { file: null, error: null };
  if (o.configFile || existsSync(join(cwd, 'agor.yaml'))) {
    try {
      config = loadConfig(o.configFile, cwd);
      cfg.file = config.file;
    } catch (e) {
      cfg.file = o.configFile ?? join(cwd, 'agor.yaml');
      cfg.error = e instanceof UserError ? e.message : String(e);
    }
  }
  const agents = config ? checkAgents(config, probe, helper, cgroups, o.dbPath) : [];
  const notifications: DesktopStatus =
    config?.notify?.desktop === false ? { on: false, via: null, server: null, why: 'notify.desktop: off in agor.yaml' } : probeDesktopSync();
  const abi = probe?.landlockAbi ?? 0;
  return {
    kernel: {
      release: release(),
      landlock_abi: abi,
      landlock_unavailable: probe?.landlockUnavailable ?? (helper ? null : 'no helper to probe with'),
      landlock_net: abi >= 4,
      seccomp_filter: probe?.seccomp ?? false,
    },
    helper: { path: helper, works: probe !== null },
    cgroups,
    users: { euid: process.geteuid?.() ?? -1, run_as_other_users: process.geteuid?.() === 0 },
    sqlite: { version: sqlite.version, wal: sqlite.wal, wal_problem: sqlite.walWhy },
    database,
    control_socket,
    config: cfg,
    agents,
    notifications,
    ok: cfg.error === null && agents.every((a) => a.ok),
  };
}

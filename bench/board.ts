// The board's measurements (sections 4 to 6): bttask start-up, `ready` on a large
// board, and claims per second with racing claimers. Same harness and rules as
// sections 1 to 3: built binaries, interleaved rounds, ratios of medians.
import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Log, btmsgAll, bttask, bttaskCmd, buildCached, cacheDir, nodeBaseline, prng, sqlTime, tempDir } from './fixtures.js';
import { type Command, type Run, type Stats, childCpuMs, describeFailure, fmtInt, stats, timeOnce, timeOnceAsync } from './harness.js';
import { type CommandFigures, STARTUP_TARGET, type Settings, type TimingSection, measure, ratio } from './sections.js';

/** Tasks on the big board of section 5. */
export const BOARD_TASKS = 100_000;
/** Ready tasks on both boards of section 5 (and open tasks on the listed board of section 4). */
const READY_HANDFUL = 8;
/** Racing claimers of section 6. */
export const CLAIMERS = 16;
/** Claimable tasks up front in section 4, beyond one per round. */
const CLAIM_SPARE = 5;

const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
/** Workers the finished work is assigned to; registered through btmsg on every board. */
const WORKERS = Array.from({ length: 8 }, (_, i) => `dev-${i + 1}`);

// ---- boards ----

/**
 * A new board: the schema made by one bttask call (as the operator), then `agents`
 * (project role) registered through btmsg, two at a time.
 */
async function newBoard(path: string, agents: string[]): Promise<void> {
  bttask(path, ['list', '--json']);
  await btmsgAll(
    path,
    agents.map((id) => ({ args: ['register', id, id, 'project', 'bench'] })),
    2,
  );
}

/** The columns `bttask add` and the later updates write, in the order of TASK_INSERT. */
interface TaskValues {
  id: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  assigned_to: string | null;
  sort_order: number;
  created_at: string;
  updated_at: string;
  version: number;
}
const TASK_COLUMNS = ['id', 'title', 'description', 'status', 'priority', 'assigned_to', 'sort_order', 'created_at', 'updated_at', 'version'] as const;

/** Tasks as the operator creates them (created_by admin, group_id '*'): one transaction. */
function insertTasks(path: string, rows: TaskValues[]): void {
  const db = new Database(path);
  try {
    const ins = taskInsert(db);
    db.transaction(() => rows.forEach((r) => ins.run(r)))();
  } finally {
    db.close();
  }
}

const taskInsert = (db: Database.Database) =>
  db.prepare(
    `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}, created_by, group_id, parent_task_id)
     VALUES (${TASK_COLUMNS.map((c) => `@${c}`).join(', ')}, 'admin', '*', NULL)`,
  );

/** `n` fresh todo tasks, as `bttask add` would make them one after the other. */
function todoTasks(n: number, title: (i: number) => string): TaskValues[] {
  const now = sqlTime(Date.now());
  return Array.from({ length: n }, (_, i) => ({
    id: globalThis.crypto.randomUUID(),
    title: title(i),
    description: '',
    status: 'todo',
    priority: PRIORITIES[i % PRIORITIES.length]!,
    assigned_to: null,
    sort_order: i + 1,
    created_at: now,
    updated_at: now,
    version: 1,
  }));
}

const count = (db: Database.Database, sql: string, ...params: unknown[]): number => (db.prepare(sql).get(...params) as { n: number }).n;

function readOnly<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The agent that claims in sections 1 and 4. */
export const CLAIMER = 'worker';

/** A board for `claims` claims by CLAIMER, with a few spare tasks; returns the task count. */
export async function claimBoard(path: string, claims: number): Promise<number> {
  await newBoard(path, [CLAIMER]);
  insertTasks(
    path,
    todoTasks(claims + CLAIM_SPARE, (i) => `Claimable task ${i + 1}`),
  );
  return claims + CLAIM_SPARE;
}

// ---- section 4 ----

/** Section 4: bttask list --json and bttask claim against bare node, in the same rounds. */
export async function boardStartup(s: Settings, log: Log): Promise<TimingSection> {
  const dir = tempDir('board');
  try {
    log('section 4: two small boards …');
    // list reads a board of a handful of open tasks, which the claims never touch.
    const listDb = join(dir, 'list.db');
    await newBoard(listDb, ['worker']);
    insertTasks(
      listDb,
      todoTasks(READY_HANDFUL, (i) => `Open task ${i + 1} on a small board`),
    );
    // claim takes one task per run, warm-up included; the spares keep the last one a real claim.
    const claimDb = join(dir, 'claim.db');
    await newBoard(claimDb, ['worker']);
    const claims = s.warmup + s.rounds;
    insertTasks(
      claimDb,
      todoTasks(claims + CLAIM_SPARE, (i) => `Claimable task ${i + 1}`),
    );

    const cmds = [
      nodeBaseline(),
      bttaskCmd('bttask list --json', listDb, ['list', '--json'], 'admin'),
      // interleave() aborts on any exit but 0, so an empty board (exit 3) cannot pass for a claim.
      bttaskCmd('bttask claim', claimDb, ['claim'], 'worker'),
    ];
    const listed = JSON.parse(timeOnce(cmds[1]!).stdout.toString('utf8')) as unknown[];
    const commands = measure(cmds, s, log, 'section 4');
    const [node, list, claim] = commands as [CommandFigures, CommandFigures, CommandFigures];

    const check = readOnly(claimDb, (db) => ({
      taken: count(db, `SELECT count(*) AS n FROM tasks WHERE status = 'progress' AND assigned_to = 'worker'`),
      leases: count(db, `SELECT count(*) AS n FROM task_leases WHERE state = 'active' AND agent_id = 'worker'`),
      left: count(db, `SELECT count(*) AS n FROM tasks WHERE status = 'todo'`),
    }));
    const claimsOk = check.taken === claims && check.leases === claims && check.left === CLAIM_SPARE;
    const notes = [
      `list prints the ${listed.length} open tasks of a small board; claim takes the first ready task of a board of ${claims + CLAIM_SPARE} ` +
        `(${claims} runs, warm-up included, each exit 0: ${check.taken} tasks now in progress with ${check.leases} active leases, ${check.left} left)`,
    ];
    if (!claimsOk) {
      notes.push(`!!! ERROR: expected ${claims} claimed tasks with ${claims} leases and ${CLAIM_SPARE} left over; the claim figures are not valid`);
      log(`!!! section 4: ${notes[1]}`);
    }
    return {
      title: 'Section 4 — bttask start-up cost (median wall time over node -e 0)',
      commands,
      ratios: [ratio('bttask list --json / node -e 0', list, node, 1.6), ratio('bttask claim / node -e 0', claim, node, STARTUP_TARGET, { cpuToo: true })],
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- section 5: the 100 000-task board ----

const VERBS = ['Fix', 'Add', 'Test', 'Document', 'Refactor', 'Speed up', 'Review', 'Remove', 'Migrate', 'Split'];
const THINGS = [
  'the inbox query',
  'the lease reaper',
  'the websocket relay',
  'the schema migration',
  'the retry backoff',
  'the CLI help',
  'the FTS index',
  'the heartbeat check',
  'the release script',
  'the staging deploy',
  'the dashboard table',
  'the config loader',
  'the token budget',
  'the sandbox profile',
  'the review queue',
  'the audit log',
];
const DETAILS = [
  'See the failing run in CI; it only shows under load.',
  'Keep the JSON output unchanged; scripts read it.',
  'Numbers before and after in a comment, please.',
  'Blocked on the decision in the architecture thread.',
  'Small change; add a test that fails without it.',
];

/** Bands of the board by age: most old work is done; the newest tenth is in flight. */
function pickStatus(fractionOfAge: number, r: number): string {
  if (fractionOfAge < 0.8) return r < 0.98 ? 'done' : r < 0.985 ? 'blocked' : 'todo';
  return r < 0.25 ? 'done' : r < 0.33 ? 'review' : r < 0.45 ? 'progress' : r < 0.5 ? 'blocked' : 'todo';
}

function pickPriority(r: number): string {
  return r < 0.05 ? 'critical' : r < 0.25 ? 'high' : r < 0.75 ? 'medium' : 'low';
}

export interface BigBoard {
  path: string;
  tasks: number;
  built: boolean;
  buildSeconds?: number;
}

/**
 * Inserts the big board into a file that has the schema and the workers: BOARD_TASKS
 * tasks over a year (mostly done, about one in nine todo), finished leases for the done
 * and reviewed work, and dependencies on earlier tasks (so no cycles). Every todo task
 * waits on at least one unfinished task, except READY_HANDFUL spread over the newest
 * work, half of which depend only on done tasks. Tasks first, then dependencies, so the
 * schema's own triggers see every status. Returns the ids of the handful.
 */
function insertBigBoard(path: string, log: Log): string[] {
  const db = new Database(path);
  try {
    // A scratch file until it is renamed into the cache: no journal, no syncs.
    db.pragma('journal_mode = DELETE');
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const rnd = prng(20241122);
    const n = BOARD_TASKS;
    const end = Date.now() - 3600_000;
    const start = end - 365 * 86400_000;
    const step = (end - start) / n;
    // The handful: spread over the newest 12% of the board.
    const handful = new Map(Array.from({ length: READY_HANDFUL }, (_, k) => [n - 1 - Math.floor(((k + 0.5) * 0.12 * n) / READY_HANDFUL), k]));

    const tasks: TaskValues[] = new Array(n);
    const deps: [number, number][] = [];
    const done: number[] = [];
    const unfinished: number[] = [];
    const recent = <T>(xs: T[], window: number): T => xs[xs.length - 1 - Math.floor(rnd() * Math.min(window, xs.length))]!;
    for (let i = 0; i < n; i++) {
      const created = start + i * step;
      const k = handful.get(i);
      let status = k !== undefined ? 'todo' : pickStatus(i / n, rnd());
      if (status === 'todo' && k === undefined && !unfinished.length) status = 'done';
      const touched = status !== 'todo';
      const updated = touched ? created + rnd() * 14 * 86400_000 : created;
      tasks[i] = {
        id: globalThis.crypto.randomUUID(),
        title:
          k !== undefined
            ? `Ready task ${k + 1}: ${VERBS[k % VERBS.length]} ${THINGS[k]}`
            : `${VERBS[Math.floor(rnd() * VERBS.length)]} ${THINGS[Math.floor(rnd() * THINGS.length)]} (#${i + 1})`,
        description: rnd() < 0.4 ? DETAILS[Math.floor(rnd() * DETAILS.length)]! : '',
        status,
        priority: k !== undefined ? PRIORITIES[k % PRIORITIES.length]! : pickPriority(rnd()),
        assigned_to: touched ? WORKERS[Math.floor(rnd() * WORKERS.length)]! : null,
        sort_order: i + 1,
        created_at: sqlTime(created),
        updated_at: sqlTime(Math.min(updated, end)),
        // add (1), then claim and the moves to review and done, one version each.
        version: status === 'done' ? 4 : status === 'review' ? 3 : touched ? 2 : 1,
      };
      // Dependencies point backwards: done and in-flight work on done work; todo work on
      // at least one unfinished task (the handful: none, or done work only).
      const doneDeps = (m: number) => {
        for (let j = 0; j < m && done.length; j++) deps.push([i, recent(done, 3000)]);
      };
      if (k !== undefined) doneDeps(k % 2 ? 1 + (k % 3) : 0);
      else if (status === 'todo') {
        deps.push([i, recent(unfinished, 2000)]);
        if (rnd() < 0.3) deps.push([i, recent(unfinished, 2000)]);
        doneDeps(Math.floor(rnd() * 2));
      } else if (rnd() < 0.3) doneDeps(1 + Math.floor(rnd() * 3));
      (status === 'done' ? done : unfinished).push(i);
    }

    const ins = taskInsert(db);
    const lease = db.prepare(
      `INSERT INTO task_leases (task_id, agent_id, run_id, duration, expires_at, assigned_before, state, claimed_at, ended_at)
       VALUES (?, ?, NULL, 1800, ?, NULL, 'finished', ?, ?)`,
    );
    const dep = db.prepare(`INSERT OR IGNORE INTO task_deps (task_id, depends_on, created_by, created_at) VALUES (?, ?, 'admin', ?)`);
    const t0 = Date.now();
    db.transaction(() => {
      for (const t of tasks) {
        ins.run(t);
        if (t.status === 'done' || t.status === 'review') {
          const claimed = Date.parse(`${t.created_at.replace(' ', 'T')}Z`) + 60_000;
          lease.run(t.id, t.assigned_to, Math.floor(claimed / 1000) + 1800, sqlTime(claimed), t.updated_at);
        }
      }
      log(`  ${fmtInt(n)} tasks inserted (${((Date.now() - t0) / 1000).toFixed(0)} s); ${fmtInt(deps.length)} dependencies …`);
      for (const [a, b] of deps) dep.run(tasks[a]!.id, tasks[b]!.id, tasks[a]!.created_at);
      log('  committing …');
    })();
    db.pragma('journal_mode = WAL');
    return [...handful.keys()].map((i) => tasks[i]!.id);
  } finally {
    db.close();
  }
}

const readyIds = (path: string): string[] => (JSON.parse(bttask(path, ['ready', '--json'])) as { id: string }[]).map((t) => t.id);

/** The big board, built once per schema and cached next to the million messages. */
async function cachedBigBoard(tag: string, rebuild: boolean, log: Log): Promise<BigBoard> {
  const final = join(cacheDir(tag, log), `board-${BOARD_TASKS}.db`);
  const t0 = Date.now();
  const built = await buildCached(final, rebuild, async (tmp) => {
    log(`building a board of ${fmtInt(BOARD_TASKS)} tasks with dependencies (once; cached in bench/.data/cache/${tag}/) …`);
    await newBoard(tmp, WORKERS);
    const handful = insertBigBoard(tmp, log);
    // The binary must agree that exactly the handful is ready, or the figures compare different work.
    const ready = readyIds(tmp);
    if (ready.length !== handful.length || ready.some((id) => !handful.includes(id))) {
      throw new Error(`the built board lists ${ready.length} ready tasks, expected the ${handful.length} made ready`);
    }
  });
  const buildSeconds = (Date.now() - t0) / 1000;
  if (built) {
    writeFileSync(
      join(dirname(final), `board-${BOARD_TASKS}.json`),
      JSON.stringify({ tasks: BOARD_TASKS, tag, built_at: new Date().toISOString(), seconds: buildSeconds }, null, 2) + '\n',
    );
    log(`built in ${buildSeconds.toFixed(0)} s`);
  }
  return { path: final, tasks: BOARD_TASKS, built, ...(built ? { buildSeconds } : {}) };
}

interface BoardShape {
  tasks: number;
  byStatus: Record<string, number>;
  deps: number;
  blockedTodo: number;
}

/** What a board holds, counted from the dependencies themselves (not the binary's bookkeeping). */
const boardShape = (path: string): BoardShape =>
  readOnly(path, (db) => ({
    tasks: count(db, 'SELECT count(*) AS n FROM tasks'),
    byStatus: Object.fromEntries(
      (db.prepare('SELECT status, count(*) AS n FROM tasks GROUP BY status ORDER BY n DESC').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
    ),
    deps: count(db, 'SELECT count(*) AS n FROM task_deps'),
    blockedTodo: count(
      db,
      `SELECT count(*) AS n FROM tasks t WHERE t.status = 'todo'
         AND EXISTS (SELECT 1 FROM task_deps d JOIN tasks x ON x.id = d.depends_on WHERE d.task_id = t.id AND x.status != 'done')`,
    ),
  }));

/** Section 5: bttask ready --json on 100 000 tasks against an empty board listing the same tasks. */
export async function boardScale(s: Settings, log: Log, tag: string): Promise<TimingSection & { bigBoard: Omit<BigBoard, 'path'> }> {
  const big = await cachedBigBoard(tag, s.rebuild, log);
  const dir = tempDir('board-scale');
  try {
    log('section 5: preparing the empty board …');
    // The empty board holds only the big board's ready tasks, copied as they are (same ids,
    // titles, order and times), so both listings print the same bytes.
    const empty = join(dir, 'empty.db');
    await newBoard(empty, WORKERS);
    const ready = readOnly(big.path, (db) => {
      const ids = readyIds(big.path);
      const get = db.prepare(`SELECT ${TASK_COLUMNS.join(', ')} FROM tasks WHERE id = ?`);
      return ids.map((id) => get.get(id) as TaskValues);
    });
    insertTasks(empty, ready);

    const label = `${BOARD_TASKS / 1000}k tasks`;
    const cmds = [
      bttaskCmd('ready --json (empty board)', empty, ['ready', '--json'], 'admin'),
      bttaskCmd(`ready --json (${label})`, big.path, ['ready', '--json'], 'admin'),
    ];
    const outs = cmds.map((c) => {
      const r = timeOnce(c);
      if (r.status !== 0) throw new Error(describeFailure(c, r));
      return r.stdout.toString('utf8');
    });
    const listed = outs.map((o) => (JSON.parse(o) as unknown[]).length);
    const same = outs[0] === outs[1];
    if (!same) log(`!!! section 5: the two ready lists differ (${listed.join(' vs ')} tasks, ${outs.map((o) => o.length).join(' vs ')} bytes)`);
    const shape = boardShape(big.path);
    const commands = measure(cmds, s, log, 'section 5');
    const [e, b] = commands as [CommandFigures, CommandFigures];
    const states = Object.entries(shape.byStatus)
      .map(([k, v]) => `${fmtInt(v)} ${k}`)
      .join(', ');
    return {
      title: `Section 5 — bttask ready --json on ${fmtInt(BOARD_TASKS)} tasks with dependencies vs an empty board`,
      commands,
      ratios: [ratio(`ready --json ${label} / empty`, b, e, 1.2)],
      notes: [
        `empty board: ${listed[0]} tasks, all ready; ready lists those ${listed[0]} (${outs[0]!.length} bytes of JSON)`,
        `big board: ${fmtInt(shape.tasks)} tasks (${states}), ${fmtInt(shape.deps)} dependencies; ` +
          `${fmtInt(shape.blockedTodo)} todo tasks wait on unfinished ones; ready lists ${listed[1]} (${outs[1]!.length} bytes)`,
        same ? 'both listings are the same tasks, byte for byte' : '!!! the two listings differ: the ratio also measures output size',
        big.built ? `big board built this run in ${big.buildSeconds!.toFixed(0)} s` : `big board reused from bench/.data/cache/${tag}/`,
      ],
      bigBoard: { tasks: big.tasks, built: big.built, ...(big.buildSeconds !== undefined ? { buildSeconds: big.buildSeconds } : {}) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- section 6 ----

export interface ClaimRaceSection {
  title: string;
  claimers: number;
  tasks: number;
  /** Successful claims (exit 0), as the claimers saw them. */
  claims: number;
  /** Distinct tasks among them. */
  claimed: number;
  /** Claims of a task someone else also got (by the outputs, or by the board's leases). */
  duplicates: number;
  /** Tasks the board shows in progress under an active lease of the claimer it is assigned to. */
  onBoard: number;
  /** Tasks still todo at the end. */
  left: number;
  /** Claim processes that exited with anything but 0 or 3 (or printed something unreadable). */
  failures: number;
  firstFailure?: string;
  wallSeconds: number;
  claimsPerSecond: number;
  /** Mean CPU time (user + system) of one claim process, when the platform tells. */
  cpuMsPerClaim?: number;
  /** Wall time of the claims that took a task. */
  latency: Stats;
  ok: boolean;
}

/** Section 6: 16 claimers draining a board, one bttask claim --json process per attempt. */
export async function claimRace(s: Settings, log: Log, quick: boolean): Promise<ClaimRaceSection> {
  const dir = tempDir('claims');
  try {
    const db = join(dir, 'agor.db');
    const claimers = Array.from({ length: CLAIMERS }, (_, i) => `claimer-${String(i + 1).padStart(2, '0')}`);
    const n = quick ? 48 : 160;
    log(`section 6: a board of ${n} ready tasks, ${CLAIMERS} claimers registered through the binary …`);
    await newBoard(db, claimers);
    insertTasks(
      db,
      todoTasks(n, (i) => `Race task ${i + 1}`),
    );

    log(`section 6: ${CLAIMERS} claimers racing for ${n} tasks …`);
    const got: { agent: string; id: string }[] = [];
    const latencies: number[] = [];
    let attempts = 0;
    let failures = 0;
    let firstFailure: string | undefined;
    const fail = (cmd: Command, r: Run, why?: string) => {
      failures++;
      firstFailure ??= why ? `${cmd.name}: ${why}` : describeFailure(cmd, r);
    };
    // Each claimer claims until the board says nothing is ready (exit 3); a failure ends its chain.
    const chain = async (agent: string) => {
      for (let i = 1; ; i++) {
        attempts++;
        const cmd = bttaskCmd(`${agent} claim #${i}`, db, ['claim', '--json'], agent);
        const r = await timeOnceAsync(cmd);
        if (r.status === 3) return;
        if (r.status !== 0) return fail(cmd, r);
        let id: unknown;
        try {
          id = (JSON.parse(r.stdout.toString('utf8')) as { id?: unknown }).id;
        } catch {
          id = undefined;
        }
        if (typeof id !== 'string') return fail(cmd, r, `exit 0 without a task id: ${r.stdout.toString('utf8').slice(0, 200)}`);
        got.push({ agent, id });
        latencies.push(r.ms);
      }
    };
    const cpu0 = childCpuMs();
    const t0 = process.hrtime.bigint();
    await Promise.all(claimers.map(chain));
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = childCpuMs();

    // The board's own account: each task in progress, assigned to the one claimer holding its lease.
    const board = readOnly(db, (d) => ({
      onBoard: count(
        d,
        `SELECT count(*) AS n FROM tasks t JOIN task_leases l ON l.task_id = t.id AND l.state = 'active'
         WHERE t.status = 'progress' AND t.assigned_to = l.agent_id`,
      ),
      leases: count(d, `SELECT count(*) AS n FROM task_leases WHERE state = 'active'`),
      leasedTasks: count(d, `SELECT count(DISTINCT task_id) AS n FROM task_leases WHERE state = 'active'`),
      left: count(d, `SELECT count(*) AS n FROM tasks WHERE status = 'todo'`),
      owners: new Map((d.prepare(`SELECT id, assigned_to FROM tasks`).all() as { id: string; assigned_to: string | null }[]).map((r) => [r.id, r.assigned_to])),
    }));
    const claimed = new Set(got.map((g) => g.id)).size;
    const duplicates = got.length - claimed + (board.leases - board.leasedTasks);
    // What each claimer was told must be what the board says.
    const mismatched = got.filter((g) => board.owners.get(g.id) !== g.agent).length;
    if (mismatched) {
      failures += mismatched;
      firstFailure ??= `${mismatched} claim(s) printed a task the board does not show assigned to that claimer`;
    }
    return {
      title: `Section 6 — ${CLAIMERS} racing claimers draining ${n} ready tasks (one bttask claim --json process each, until exit 3)`,
      claimers: CLAIMERS,
      tasks: n,
      claims: got.length,
      claimed,
      duplicates,
      onBoard: board.onBoard,
      left: board.left,
      failures,
      ...(firstFailure ? { firstFailure } : {}),
      wallSeconds,
      claimsPerSecond: got.length / wallSeconds,
      ...(cpu0 !== undefined && cpu1 !== undefined ? { cpuMsPerClaim: (cpu1 - cpu0) / attempts } : {}),
      latency: got.length ? stats(latencies) : { n: 0, median: 0, p90: 0, min: 0, max: 0, mean: 0 },
      ok: got.length === n && claimed === n && duplicates === 0 && board.onBoard === n && board.left === 0 && failures === 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

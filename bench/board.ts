// The board's measurements (sections 4 to 6): bttask start-up, `ready` on a large board,
// and claims per second with racing claimers. Same harness and rules as sections 1 to 3.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, type Log, bttaskCmd, btmsg, nodeBaseline, tempDir } from './fixtures.js';
import { type Command, describeFailure, interleave, ratioInterval, stats, timeOnce, timeOnceAsync } from './harness.js';
import type { CommandFigures, Ratio, Settings, TimingSection } from './sections.js';

const BOARD_TASKS = 100_000;
const READY_HANDFUL = 8;
const CLAIMERS = 16;

function measure(cmds: Command[], s: Settings, log: Log, what: string): CommandFigures[] {
  const samples = interleave(cmds, { rounds: s.rounds, warmup: s.warmup, onRound: (d, t) => d % 20 === 0 && log(`  ${what}: round ${d}/${t}`) });
  return cmds.map((c) => {
    const { ms, cpuMs } = samples[c.name]!;
    return { name: c.name, ms: stats(ms), samples: ms, ...(cpuMs.length ? { cpuMs: cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length } : {}) };
  });
}

const ratio = (name: string, num: CommandFigures, den: CommandFigures, target: number): Ratio => {
  const value = num.ms.median / den.ms.median;
  const cpu = num.cpuMs !== undefined && den.cpuMs ? { cpu: num.cpuMs / den.cpuMs } : {};
  return { name, value, interval: ratioInterval(num.samples, den.samples), ...cpu, target, pass: value <= target };
};

/** A board database: the schema made by bttask itself, a worker registered through btmsg. */
function boardDb(path: string): void {
  btmsg(path, ['register', 'worker', 'Worker', 'project', 'bench']);
  const r = timeOnce(bttaskCmd('bttask list', path, ['list', '--json'], 'admin'));
  if (r.status !== 0) throw new Error(describeFailure(bttaskCmd('bttask list', path, ['list'], 'admin'), r));
}

const PRIORITIES = ['critical', 'high', 'medium', 'low'];

/** Inserts tasks the way bttask add writes them; returns their ids. */
function insertTasks(path: string, rows: { status: string; priority: string; title: string }[]): string[] {
  const db = new Database(path);
  try {
    const ins = db.prepare(
      `INSERT INTO tasks (id, title, description, status, priority, created_by, group_id, sort_order, version)
       VALUES (?, ?, '', ?, ?, 'admin', 'bench', ?, 1)`,
    );
    const base = (db.prepare('SELECT coalesce(max(sort_order), 0) AS m FROM tasks').get() as { m: number }).m;
    const ids = rows.map(() => globalThis.crypto.randomUUID());
    db.transaction(() => rows.forEach((r, i) => ins.run(ids[i], r.title, r.status, r.priority, base + i + 1)))();
    return ids;
  } finally {
    db.close();
  }
}

const handful = () => Array.from({ length: READY_HANDFUL }, (_, i) => ({ status: 'todo', priority: PRIORITIES[i % 4]!, title: `ready task ${i + 1}` }));

/** Section 4: bttask list --json and bttask claim against bare node. */
export async function boardStartup(s: Settings, log: Log): Promise<TimingSection> {
  const dir = tempDir('board');
  try {
    const db = join(dir, 'agor.db');
    log('section 4: a small board …');
    boardDb(db);
    const claims = s.rounds + s.warmup;
    insertTasks(db, Array.from({ length: claims + 5 }, (_, i) => ({ status: 'todo', priority: 'medium', title: `claimable ${i + 1}` })));
    const listDb = join(dir, 'list.db');
    boardDb(listDb);
    insertTasks(listDb, handful());
    const cmds = [nodeBaseline(), bttaskCmd('bttask list --json', listDb, ['list', '--json'], 'admin'), bttaskCmd('bttask claim', db, ['claim'], 'worker')];
    const commands = measure(cmds, s, log, 'section 4');
    const check = new Database(db, { readonly: true });
    const claimed = (check.prepare(`SELECT count(*) AS n FROM task_leases WHERE agent_id = 'worker'`).get() as { n: number }).n;
    check.close();
    if (claimed !== claims) log(`!!! section 4: expected ${claims} claims, found ${claimed}`);
    const [node, list, claim] = commands as [CommandFigures, CommandFigures, CommandFigures];
    return {
      title: 'Section 4 — bttask start-up cost (median wall time over node -e 0)',
      commands,
      ratios: [ratio('bttask list --json / node -e 0', list, node, 1.6), ratio('bttask claim / node -e 0', claim, node, 1.6)],
      notes: [`list prints ${READY_HANDFUL} tasks; every claim took a task (${claimed} of ${claims})`],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 100 000-task board with dependencies, built once and cached. */
function cachedBigBoard(tag: string, rebuild: boolean, log: Log): string {
  const dir = join(DATA_DIR, 'cache', `${tag}-board${BOARD_TASKS}`);
  const final = join(dir, 'board.db');
  if (existsSync(final) && !rebuild) return final;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, 'board.tmp.db');
  rmSync(tmp, { force: true });
  log(`section 5: building a board of ${BOARD_TASKS.toLocaleString('en-US')} tasks with dependencies (cached afterwards) …`);
  boardDb(tmp);
  const db = new Database(tmp);
  try {
    const ins = db.prepare(
      `INSERT INTO tasks (id, title, description, status, priority, created_by, group_id, sort_order, version)
       VALUES (?, ?, ?, ?, ?, 'admin', 'bench', ?, 1)`,
    );
    const dep = db.prepare(`INSERT OR IGNORE INTO task_deps (task_id, depends_on, created_by) VALUES (?, ?, 'admin')`);
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    db.transaction(() => {
      const ids: string[] = [];
      const open: string[] = [];
      for (let i = 0; i < BOARD_TASKS; i++) {
        const id = globalThis.crypto.randomUUID();
        // Most work is done; the todo tasks left all wait on unfinished work, so the ready
        // list is the same handful as on the empty board.
        const status = i % 10 < 8 ? 'done' : i % 10 === 8 ? 'progress' : 'todo';
        ins.run(id, `task ${i}: ${['fix', 'add', 'test', 'document'][i % 4]} the ${['parser', 'cache', 'client', 'schema'][(i >> 2) % 4]}`, 'details', status, PRIORITIES[i % 4]!, i);
        if (status === 'progress') open.push(id);
        if (status === 'todo' && open.length) dep.run(id, open[Math.floor(rnd() * open.length)]!);
        if (status !== 'todo' && ids.length && rnd() < 0.3) dep.run(id, ids[Math.floor(rnd() * ids.length)]!);
        ids.push(id);
      }
    })();
  } finally {
    db.close();
  }
  insertTasks(tmp, handful());
  renameSync(tmp, final);
  return final;
}

/** Section 5: bttask ready --json on 100 000 tasks against an empty board. */
export async function boardScale(s: Settings, log: Log, tag: string): Promise<TimingSection> {
  const big = cachedBigBoard(tag, s.rebuild, log);
  const dir = tempDir('board-scale');
  try {
    const empty = join(dir, 'empty.db');
    boardDb(empty);
    insertTasks(empty, handful());
    const cmds = [
      bttaskCmd('ready --json (empty board)', empty, ['ready', '--json'], 'admin'),
      bttaskCmd(`ready --json (${BOARD_TASKS / 1000}k tasks)`, big, ['ready', '--json'], 'admin'),
    ];
    const outs = cmds.map((c) => {
      const r = timeOnce(c);
      if (r.status !== 0) throw new Error(describeFailure(c, r));
      return JSON.parse(r.stdout.toString('utf8')) as unknown[];
    });
    if (outs[0]!.length !== outs[1]!.length) log(`!!! section 5: the ready lists differ (${outs.map((o) => o.length).join(' vs ')})`);
    const deps = new Database(big, { readonly: true });
    const nDeps = (deps.prepare('SELECT count(*) AS n FROM task_deps').get() as { n: number }).n;
    deps.close();
    const commands = measure(cmds, s, log, 'section 5');
    const [e, b] = commands as [CommandFigures, CommandFigures];
    return {
      title: `Section 5 — bttask ready --json on ${BOARD_TASKS.toLocaleString('en-US')} tasks vs an empty board`,
      commands,
      ratios: [ratio(`ready --json ${BOARD_TASKS / 1000}k tasks / empty`, b, e, 1.2)],
      notes: [`both list the same ${outs[0]!.length} ready tasks; the big board has ${nDeps.toLocaleString('en-US')} dependencies and ~10,000 todo tasks waiting on unfinished work`],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ClaimRaceSection {
  title: string;
  claimers: number;
  tasks: number;
  claimed: number;
  duplicates: number;
  failures: number;
  firstFailure?: string;
  wallSeconds: number;
  claimsPerSecond: number;
  ok: boolean;
}

/** Section 6: 16 claimers racing to drain a board, one bttask claim process per attempt. */
export async function claimRace(s: Settings, log: Log, quick: boolean): Promise<ClaimRaceSection> {
  const dir = tempDir('claims');
  try {
    const db = join(dir, 'agor.db');
    boardDb(db);
    const n = quick ? 48 : 160;
    insertTasks(db, Array.from({ length: n }, (_, i) => ({ status: 'todo', priority: PRIORITIES[i % 4]!, title: `race ${i + 1}` })));
    for (let i = 1; i <= CLAIMERS; i++) btmsg(db, ['register', `claimer${i}`, `Claimer ${i}`, 'project', 'bench']);
    log(`section 6: ${CLAIMERS} claimers racing for ${n} tasks …`);
    const got: string[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const chain = async (agent: string) => {
      for (;;) {
        const cmd = bttaskCmd('bttask claim', db, ['claim', '--json'], agent);
        const r = await timeOnceAsync(cmd);
        if (r.status === 3) return;
        if (r.status !== 0) {
          failures++;
          firstFailure ??= describeFailure(cmd, r);
          return;
        }
        got.push((JSON.parse(r.stdout.toString('utf8')) as { id: string }).id);
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => chain(`claimer${i + 1}`)));
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const unique = new Set(got).size;
    return {
      title: `Section 6 — ${CLAIMERS} racing claimers draining ${n} ready tasks (one bttask claim process each)`,
      claimers: CLAIMERS,
      tasks: n,
      claimed: unique,
      duplicates: got.length - unique,
      failures,
      ...(firstFailure ? { firstFailure } : {}),
      wallSeconds,
      claimsPerSecond: got.length / wallSeconds,
      ok: unique === n && got.length === n && failures === 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

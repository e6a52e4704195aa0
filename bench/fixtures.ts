// Databases for the benchmark: teams registered through the built binary, the
// million-message file (built once, cached under bench/.data/), and helpers to run
// btmsg and bttask.
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, describeFailure, pool, timeOnce, timeOnceAsync } from './harness.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(REPO, 'dist');
export const DATA_DIR = join(REPO, 'bench', '.data');
const CACHE_DIR = join(DATA_DIR, 'cache');
/** The binary under test: a snapshot of dist/ once snapshotBinary() has run. */
let btmsgPath = join(DIST, 'btmsg.cjs');
let bttaskPath = join(DIST, 'bttask.cjs');

/** Bump when the generated data changes shape, so cached files are rebuilt. */
const DATA_VERSION = 1;

export type Log = (line: string) => void;

/** The environment every spawned process gets: ours, minus agor identity, without colour. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['BTMSG_AGENT_ID', 'AGOR_DB', 'AGOR_RUN_ID', 'AGOR_GROUP', 'AGOR_BUILD_CODE_CACHE', 'FORCE_COLOR']) delete env[k];
  return { ...env, ...extra };
}

/** `btmsg <args>` on database `db`, as agent `agent` (the operator when omitted). */
export function btmsgCmd(name: string, db: string, args: string[], agent?: string): Command {
  return {
    name,
    file: process.execPath,
    args: [btmsgPath, ...args],
    env: cleanEnv({ AGOR_DB: db, ...(agent ? { BTMSG_AGENT_ID: agent } : {}) }),
  };
}

/** `bttask <args>` on database `db`, as agent `agent`. */
export function bttaskCmd(name: string, db: string, args: string[], agent: string): Command {
  return { name, file: process.execPath, args: [bttaskPath, ...args], env: cleanEnv({ AGOR_DB: db, BTMSG_AGENT_ID: agent }) };
}

export const nodeBaseline = (): Command => ({ name: 'node -e 0', file: process.execPath, args: ['-e', '0'], env: cleanEnv() });

/** Runs btmsg once for set-up; throws with its stderr when it fails. Returns stdout. */
export function btmsg(db: string, args: string[], agent?: string): string {
  const cmd = btmsgCmd(`btmsg ${args[0]}`, db, args, agent);
  const r = timeOnce(cmd);
  if (r.status !== 0) throw new Error(describeFailure(cmd, r));
  return r.stdout.toString('utf8');
}

/** Runs bttask once for set-up, as `agent`; throws with its stderr when it fails. Returns stdout. */
export function bttask(db: string, args: string[], agent = 'admin'): string {
  const cmd = bttaskCmd(`bttask ${args[0]}`, db, args, agent);
  const r = timeOnce(cmd);
  if (r.status !== 0) throw new Error(describeFailure(cmd, r));
  return r.stdout.toString('utf8');
}

/** Runs btmsg jobs, `concurrency` at a time; throws on the first failure. */
export async function btmsgAll(db: string, jobs: { args: string[]; agent?: string }[], concurrency: number): Promise<void> {
  await pool(
    jobs.map((j) => async () => {
      const cmd = btmsgCmd(`btmsg ${j.args.slice(0, 2).join(' ')}`, db, j.args, j.agent);
      const r = await timeOnceAsync(cmd);
      if (r.status !== 0) throw new Error(describeFailure(cmd, r));
    }),
    concurrency,
  );
}

const BINARY_FILES = ['btmsg', 'bttask'].flatMap((b) => [`${b}.cjs`, `${b}.bundle.cjs`, `${b}.v8cache`]);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Copies the built binary (shim, bundle, V8 code cache) to bench/.data/run-<pid>/ and
 * benchmarks that copy, so a rebuild of dist/ during the run neither breaks it nor
 * mixes two builds in one set of figures. Still inside the repository, so the shim
 * resolves better-sqlite3 from node_modules as it does from dist/. Returns a short
 * hash of each bundle and a function that removes the copy.
 */
export function snapshotBinary(): { hash: string; bttaskHash: string; remove: () => void } {
  for (const f of BINARY_FILES) {
    if (!existsSync(join(DIST, f))) throw new Error(`dist/${f} is missing; run npm run build (npm run bench does it)`);
  }
  mkdirSync(DATA_DIR, { recursive: true });
  for (const d of readdirSync(DATA_DIR)) {
    const m = /^run-(\d+)$/.exec(d);
    if (m && !alive(Number(m[1]))) rmSync(join(DATA_DIR, d), { recursive: true, force: true });
  }
  const dir = join(DATA_DIR, `run-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  for (const f of BINARY_FILES) copyFileSync(join(DIST, f), join(dir, f));
  btmsgPath = join(dir, 'btmsg.cjs');
  bttaskPath = join(dir, 'bttask.cjs');
  const hashOf = (f: string) =>
    createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex')
      .slice(0, 12);
  return { hash: hashOf('btmsg.bundle.cjs'), bttaskHash: hashOf('bttask.bundle.cjs'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const tempDir = (label: string): string => mkdtempSync(join(tmpdir(), `agor-bench-${label}-`));

// ---- the team ----

export interface AgentDef {
  id: string;
  role: string;
  group: string;
}

/** Sender and recipient of section 1, and the recipient whose inbox is benchmarked. */
export const SENDER = 'alice';
export const SEND_TO = 'bob';
export const INBOX_OF = 'carol';
/** Recipient of the concurrent senders of section 3. */
export const HUB = 'lead';
export const CONCURRENT_SENDERS = 32;

const CORE: AgentDef[] = [
  { id: HUB, role: 'manager', group: 'core' },
  { id: SENDER, role: 'project', group: 'core' },
  { id: SEND_TO, role: 'project', group: 'core' },
  { id: INBOX_OF, role: 'project', group: 'core' },
];
const CORE_CONTACTS: [string, string][] = [
  [SENDER, SEND_TO],
  [SENDER, INBOX_OF],
];

const FILLER_ROLES = ['project', 'project', 'tester', 'reviewer', 'architect', 'project'];
/** The big team: the core four plus 96 more, 100 agents in all. */
export const TEAM: AgentDef[] = [
  ...CORE,
  ...Array.from({ length: 96 }, (_, i) => ({
    id: `agent-${String(i + 1).padStart(3, '0')}`,
    role: FILLER_ROLES[i % FILLER_ROLES.length]!,
    group: `team-${(i % 8) + 1}`,
  })),
];
export const concurrentSenders = (): string[] => TEAM.slice(CORE.length, CORE.length + CONCURRENT_SENDERS).map((a) => a.id);

/** Registers `agents` and the contacts through the binary, as the operator. */
async function registerTeam(db: string, agents: AgentDef[], contacts: [string, string][], oneWay: [string, string][]): Promise<void> {
  // The first register creates the file; then two at a time (the machine has two cores).
  const [first, ...rest] = agents;
  btmsg(db, ['register', first!.id, first!.id, first!.role, first!.group]);
  await btmsgAll(
    db,
    rest.map((a) => ({ args: ['register', a.id, a.id, a.role, a.group] })),
    2,
  );
  await btmsgAll(db, [...contacts.map(([a, b]) => ({ args: ['allow', a, b, '--bidirectional'] })), ...oneWay.map(([a, b]) => ({ args: ['allow', a, b] }))], 2);
}

/** Section 1's database: the core four, built fresh. */
export async function smallTeamDb(path: string): Promise<void> {
  await registerTeam(path, CORE, CORE_CONTACTS, []);
}

export const HANDFUL = [
  'Build is green on main; the flaky websocket test is quarantined.',
  'Can you review PR 412 (migration 0004) before the release cut?',
  'Heads up: the staging database will be restored at 14:00 UTC.',
  'Task T-88 is blocked on the API key; I asked the operator for it.',
  'Done with the inbox pagination; numbers are in the task comment.',
];

/**
 * The same handful of unread messages for the benchmarked inbox, sent through the
 * binary, then listed once so they are `delivered` and later listings write nothing.
 */
export function sendHandful(db: string): void {
  for (const text of HANDFUL) btmsg(db, ['send', INBOX_OF, text], SENDER);
  btmsg(db, ['inbox', '--json'], INBOX_OF);
}

/** Folds the WAL into the main file so the file can be copied on its own. */
export function checkpoint(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

// ---- the cache ----

/**
 * A tag for the schema the binary makes: user_version plus a hash of sqlite_master,
 * read from a database the binary creates. Cached files are keyed by it.
 */
export function schemaTag(): string {
  const dir = tempDir('probe');
  try {
    const path = join(dir, 'probe.db');
    btmsg(path, ['register', 'probe', 'probe', 'project', 'probe']);
    const db = new Database(path, { readonly: true });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
      const hash = createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 12);
      return `schema${version}-${hash}-data${DATA_VERSION}`;
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function cacheDir(tag: string, log: Log): string {
  const dir = join(CACHE_DIR, tag);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    // Files of another schema are never used again; they are large.
    for (const other of readdirSync(CACHE_DIR)) {
      if (other === tag) continue;
      rmSync(join(CACHE_DIR, other), { recursive: true, force: true });
      log(`removed stale cache bench/.data/cache/${other}`);
    }
  }
  return dir;
}

const rebuilt = new Set<string>();

/** Builds `final` with `make` under a temporary name and renames it into place. */
export async function buildCached(final: string, rebuild: boolean, make: (tmp: string) => Promise<void>): Promise<boolean> {
  // --rebuild rebuilds each file once per run, not once per section that uses it.
  if (existsSync(final) && !(rebuild && !rebuilt.has(final))) return false;
  rebuilt.add(final);
  const tmp = `${final}.${process.pid}.tmp`;
  try {
    await make(tmp);
    checkpoint(tmp);
    renameSync(tmp, final);
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(f, { force: true });
  }
  return true;
}

/** The 100-agent team (registered through the binary), cached. */
export async function cachedTeamDb(tag: string, rebuild: boolean, log: Log): Promise<string> {
  const final = join(cacheDir(tag, log), 'team.db');
  const built = await buildCached(final, rebuild, async (tmp) => {
    log(`registering ${TEAM.length} agents through the binary (once; cached) …`);
    const hubContacts = concurrentSenders().map((id): [string, string] => [id, HUB]);
    await registerTeam(tmp, TEAM, CORE_CONTACTS, hubContacts);
  });
  if (built) log(`cached bench/.data/cache/${tag}/team.db`);
  return final;
}

/** A fresh copy of the cached team in `dir`. */
export function copyTeam(team: string, dir: string, name: string): string {
  const path = join(dir, name);
  copyFileSync(team, path);
  return path;
}

// ---- the million messages ----

/** Small, fast, seedable PRNG (mulberry32), so every build has the same shape. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a to of and in for on with is it this that be from at as by we you i can will should please ' +
  'build test tests failing green red merge branch main release deploy staging prod database migration schema index query ' +
  'slow fast latency timeout retry error warning log logs trace stack crash fix fixed patch review reviewed approve approved ' +
  'task ticket issue bug feature refactor cleanup docs readme api endpoint client server socket relay token key secret ' +
  'agent agents operator manager tester reviewer architect project team inbox message reply channel heartbeat stale wake ' +
  'lease claim board todo progress blocked done priority high low medium critical config yaml env path file files ' +
  'cpu memory disk cache limit rate quota budget cost tokens turns run runs session sandbox landlock network ' +
  'looks good thanks ok sure done next later today tomorrow monday after before again still now soon maybe ' +
  'pr commit diff lint typecheck vitest coverage benchmark numbers regression improvement ratio median p90 ' +
  'sqlite wal fts5 trigger transaction lock busy writer reader json output flag option verb command help'
).split(' ');

function sentence(rnd: () => number): string {
  const n = 3 + Math.floor(rnd() * rnd() * 48);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = WORDS[Math.floor(rnd() * WORDS.length)]!;
  const s = out.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + (rnd() < 0.2 ? '?' : '.');
}

export const sqlTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Inserts `rows` messages spread over a year among the team, in one transaction with
 * one prepared statement (the FTS triggers fire for each row). Almost all are read;
 * the benchmarked recipient's are all read, so its unread set stays the handful.
 */
function bulkInsert(path: string, rows: number, log: Log): void {
  const db = new Database(path);
  try {
    // A scratch file until it is renamed into the cache: no journal, no syncs.
    db.pragma('journal_mode = DELETE');
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576');
    const ins = db.prepare(
      `INSERT INTO messages (id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id,
         created_at, delivered_at, seen_at, acked_at, flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    const rnd = prng(20241121);
    const end = Date.now() - 3600_000;
    const start = end - 365 * 86400_000;
    const step = (end - start) / rows;
    const recent: string[] = [];
    const t0 = Date.now();
    const every = Math.max(1, Math.floor(rows / 10));
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        const from = TEAM[Math.floor(rnd() * TEAM.length)]!;
        let to = TEAM[Math.floor(rnd() * (TEAM.length - 1))]!;
        if (to.id === from.id) to = TEAM[TEAM.length - 1]!;
        const created = start + i * step;
        const unread = to.id !== INBOX_OF && rnd() < 0.002;
        const delivered = unread ? (rnd() < 0.5 ? created + 60_000 : null) : created + 5_000 + rnd() * 600_000;
        const seen = unread || delivered === null ? null : delivered + rnd() * 3600_000;
        const acked = seen !== null && rnd() < 0.3 ? seen + rnd() * 600_000 : null;
        const replyTo = recent.length && rnd() < 0.1 ? recent[Math.floor(rnd() * recent.length)]! : null;
        const id = randomUUID();
        ins.run(
          id,
          from.id,
          to.id,
          sentence(rnd),
          unread ? 0 : 1,
          replyTo,
          to.group,
          from.group,
          sqlTime(created),
          delivered === null ? null : sqlTime(delivered),
          seen === null ? null : sqlTime(seen),
          acked === null ? null : sqlTime(acked),
        );
        if (recent.length < 64) recent.push(id);
        else recent[i % 64] = id;
        if ((i + 1) % every === 0) {
          const s = (Date.now() - t0) / 1000;
          const left = (s / (i + 1)) * (rows - i - 1);
          log(`  ${((i + 1) / 1e6).toFixed(1)}M / ${(rows / 1e6).toFixed(1)}M rows  ${s.toFixed(0)} s  (~${left.toFixed(0)} s left)`);
        }
      }
      log('  committing …');
    })();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

export interface BigDb {
  path: string;
  rows: number;
  built: boolean;
  buildSeconds?: number;
}

/** The team plus `rows` bulk messages plus the handful, cached by schema tag. */
export async function cachedBigDb(tag: string, team: string, rows: number, rebuild: boolean, log: Log): Promise<BigDb> {
  const final = join(cacheDir(tag, log), `messages-${rows}.db`);
  const t0 = Date.now();
  const built = await buildCached(final, rebuild, async (tmp) => {
    log(`building a database with ${rows.toLocaleString('en-US')} messages (once; cached in bench/.data/cache/${tag}/) …`);
    copyFileSync(team, tmp);
    bulkInsert(tmp, rows, log);
    sendHandful(tmp);
    const db = new Database(tmp, { readonly: true });
    try {
      const n = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
      if (n !== rows + HANDFUL.length) throw new Error(`built database holds ${n} messages, expected ${rows + HANDFUL.length}`);
    } finally {
      db.close();
    }
  });
  const buildSeconds = (Date.now() - t0) / 1000;
  if (built) {
    writeFileSync(
      join(dirname(final), `messages-${rows}.json`),
      JSON.stringify({ rows, tag, built_at: new Date().toISOString(), seconds: buildSeconds }, null, 2) + '\n',
    );
    log(`built in ${buildSeconds.toFixed(0)} s`);
  }
  return { path: final, rows, built, ...(built ? { buildSeconds } : {}) };
}

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../../../src/db/migrations/index.js';
import { ROOT, type RunResult, btmsg, btmsgAsync, json, seedTeam, tempDb } from '../../helpers/cli.js';

const BIN = join(ROOT, 'dist', 'btmsg.cjs');

/**
 * Runs a shell loop that calls the built binary (as "$BTMSG ..."), the way an agent's
 * script would. Exits non-zero when any call in the loop did.
 */
function shellLoop(script: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete base.BTMSG_AGENT_ID;
    delete base.FORCE_COLOR;
    const child = spawn('sh', ['-c', `rc=0\n${script}\nexit $rc`], {
      env: { ...base, BTMSG: `"${process.execPath}" "${BIN}"`, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

const bodiesIn = (db: string): string[] => {
  const h = new Database(db, { readonly: true });
  try {
    return (h.prepare(`SELECT content FROM messages WHERE to_agent = 'boss' ORDER BY rowid`).all() as { content: string }[]).map((r) => r.content);
  } finally {
    h.close();
  }
};

describe('btmsg under concurrent use', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
    seedTeam(t.db);
  });
  afterEach(() => t.cleanup());

  it(
    'delivers every one of 1600 messages sent by 32 processes at once, none lost and none twice',
    async () => {
      const LOOPS = 32;
      const EACH = 50;
      const loops = Array.from({ length: LOOPS }, (_, k) =>
        shellLoop(
          `for i in $(seq ${EACH}); do eval "$BTMSG send boss s${k}-\\$i" || rc=1; done`,
          // Half the senders are alice, half bob: both are boss's contacts.
          { AGOR_DB: t.db, BTMSG_AGENT_ID: k % 2 ? 'bob' : 'alice' },
        ),
      );
      const results = await Promise.all(loops);
      for (const [k, r] of results.entries()) {
        expect(r.stderr, `loop ${k}`).toBe('');
        expect(r.code, `loop ${k}`).toBe(0);
        expect(r.stdout.match(/^sent [0-9a-f]{8} to boss$/gm), `loop ${k}`).toHaveLength(EACH);
      }

      const expected = new Set<string>();
      for (let k = 0; k < LOOPS; k++) for (let i = 1; i <= EACH; i++) expected.add(`s${k}-${i}`);
      const stored = bodiesIn(t.db);
      expect(stored).toHaveLength(LOOPS * EACH);
      expect(new Set(stored)).toEqual(expected);

      // And the recipient sees them all through the binary, with distinct ids.
      const inbox = json<{ id: string; content: string; from: string }[]>(btmsg(['inbox', '--json', '--limit', '5000'], { db: t.db, as: 'boss' }));
      expect(inbox).toHaveLength(LOOPS * EACH);
      expect(new Set(inbox.map((m) => m.id)).size).toBe(LOOPS * EACH);
      expect(new Set(inbox.map((m) => m.content))).toEqual(expected);
      // Each sender's messages arrived in the order that sender sent them.
      for (let k = 0; k < LOOPS; k++) {
        const mine = inbox.filter((m) => m.content.startsWith(`s${k}-`)).map((m) => Number(m.content.split('-')[1]));
        expect(mine, `loop ${k}`).toEqual(Array.from({ length: EACH }, (_, i) => i + 1));
      }
    },
    20 * 60_000,
  );

  it('serves 16 concurrent inbox readers while senders write, without a single error', async () => {
    const senders = Array.from({ length: 4 }, (_, k) =>
      shellLoop(`for i in $(seq 10); do eval "$BTMSG send boss w${k}-\\$i" >/dev/null || rc=1; done`, {
        AGOR_DB: t.db,
        BTMSG_AGENT_ID: k % 2 ? 'bob' : 'alice',
      }),
    );
    const readers = Array.from({ length: 16 }, () =>
      shellLoop(`for i in 1 2 3; do eval "$BTMSG inbox --json" || rc=1; done`, { AGOR_DB: t.db, BTMSG_AGENT_ID: 'boss' }),
    );
    const [sent, read] = await Promise.all([Promise.all(senders), Promise.all(readers)]);
    for (const r of [...sent, ...read]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    for (const r of read) {
      const docs = r.stdout.trimEnd().split('\n');
      expect(docs).toHaveLength(3);
      for (const doc of docs) {
        const msgs = JSON.parse(doc) as { to: string; content: string }[];
        expect(msgs.every((m) => m.to === 'boss' && /^w\d-\d+$/.test(m.content))).toBe(true);
      }
    }
    expect(bodiesIn(t.db)).toHaveLength(40);
    // Whatever the readers listed is delivered; a last listing catches the rest.
    const last = json<{ state: string }[]>(btmsg(['inbox', '--json'], { db: t.db, as: 'boss' }));
    expect(last).toHaveLength(40);
    expect(last.every((m) => m.state === 'delivered')).toBe(true);
  });

  it('lets many processes open a brand-new file at once: one schema, one operator, no errors', async () => {
    const fresh = join(t.dir, 'fresh.db');
    const runs = await Promise.all(Array.from({ length: 12 }, () => btmsgAsync(['status', '--json'], { db: fresh })));
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(json<{ id: string }[]>(r).map((a) => a.id)).toEqual(['admin']);
    }
    const h = new Database(fresh, { readonly: true });
    try {
      expect(h.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(h.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      h.close();
    }
  });

  it('lets two processes register on a brand-new file at once, 40 times over, refusing neither', async () => {
    // Switching a new file to WAL needs it to itself, and SQLite refuses that at once,
    // without waiting: one of the pair used to fail about one time in five.
    const refused: string[] = [];
    for (let i = 0; i < 40; i++) {
      const fresh = join(t.dir, `pair-${i}.db`);
      const pair = await Promise.all(['alice', 'bob'].map((id) => btmsgAsync(['register', id, id, 'project', 'demo'], { db: fresh })));
      for (const r of pair) if (r.code !== 0) refused.push(`round ${i}: exit ${r.code}: ${r.stderr.trim()}`);
    }
    expect(refused).toEqual([]);
  }, 120_000);
});

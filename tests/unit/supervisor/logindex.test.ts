import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Db, openDb, setBusyTimeout } from '../../../src/db/open.js';
import { endRun, insertRun } from '../../../src/db/runs.js';
import { searchSource } from '../../../src/db/search.js';
import { plainSnippet } from '../../../src/core/text.js';
import { makeScrubber, scrubShapes } from '../../../src/secrets/scrub.js';
import { LogIndexer, chunksOf, readableLine } from '../../../src/supervisor/logindex.js';
import { freshDb } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

const GHP = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';

describe('readableLine', () => {
  it.each([
    ['plain output stays as written', 'tests passed: 12', 'tests passed: 12'],
    ['escape sequences go, other controls are shown', 'the \x1b[31mred\x1b[0m bell\x07', 'the red bell^G'],
    ["FTS5's match marks cannot be forged", 'a \x01b\x02 c', 'a ^Ab^B c'],
    [
      'a Claude Code line gives its words, not its JSON',
      '{"type":"assistant","message":{"content":[{"type":"text","text":"fixed the parser"}]}}',
      'fixed the parser',
    ],
    [
      'a tool call gives its name and input',
      '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"npm test"}}]}}',
      'Bash {"command":"npm test"}',
    ],
    ['an init line gives nothing', '{"type":"system","subtype":"init","model":"m","session_id":"s"}', ''],
    ['JSON of no known format is text', '{"level":"info","msg":"hello"}', '{"level":"info","msg":"hello"}'],
  ])('%s', (_what, line, want) => {
    expect(readableLine(line)).toBe(want);
  });
});

describe('chunksOf', () => {
  it('groups lines in chunks numbered by their first line, skipping empty ones, scrubbed', () => {
    const lines = ['', '', ...Array.from({ length: 20 }, (_, i) => `line ${i + 3}`), `token ${GHP}`];
    const chunks = chunksOf(lines, 1, scrubShapes);
    expect(chunks.map((c) => c.line_no)).toEqual([3, 19]);
    expect(chunks[0]!.text.split('\n')).toHaveLength(16);
    expect(chunks[1]!.text).toBe('line 19\nline 20\nline 21\nline 22\ntoken [REDACTED:github-token]');
  });

  it("redacts a run's own secret value, also one a transcript held in an escaped form", () => {
    const scrub = makeScrubber([{ name: 'PW', value: 'hunter2-secret' }]);
    // "\u0032" is "2": the raw line does not hold the value as such.
    const json = '{"type":"assistant","message":{"content":[{"type":"text","text":"pw is hunter\\u0032-secret"}]}}';
    const [chunk] = chunksOf(['plain hunter2-secret', json], 1, scrub);
    expect(chunk!.text).toBe('plain [REDACTED:PW]\npw is [REDACTED:PW]');
  });
});

describe('LogIndexer', () => {
  const t = freshDb();

  function endedRun(db: Db, id: string, body: string): string {
    const log = join(t.dir, `${id}.log`);
    writeFileSync(log, body);
    insertRun(db, { id, agent: 'w', log_path: log, started_at: Date.now(), wake_reason: null, timeout_ms: null, restart_delay_ms: null });
    endRun(db, id, { ended_at: Date.now(), exit_code: 0, signal: null, outcome: 'success', error_class: null, note: null, peak_rss_kb: null });
    return log;
  }

  const find = (db: Db, word: string) => searchSource(db, 'log', { match: `"${word}"`, agent: null, since: null, sinceMs: null, limit: 100 });

  it('indexes the end of a large log in slices while the event loop keeps turning', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i + 1} of the log ${i === 59_990 ? 'pangolin' : 'filler'} text`);
    lines[10] = 'aardvark near the start';
    endedRun(t.db, 'run-big', lines.join('\n') + '\n');
    const idx = new LogIndexer({ db: t.db, scrub: () => scrubShapes, log: () => undefined, maxBytes: 1024 * 1024 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    idx.ended('run-big');
    await waitFor(
      'the index',
      () => idx.idle,
      (x) => x,
      { timeout: 20_000, interval: 10 },
    );
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(2);
    const [hit] = find(t.db, 'pangolin');
    expect(hit).toMatchObject({ id: 'run-big', agent: 'w' });
    // Only the last MiB is kept: the start of the log is not found.
    expect(find(t.db, 'aardvark')).toEqual([]);
    const ix = t.db.prepare('SELECT * FROM run_log_indexed').get() as { lines: number; truncated: number; bytes: number };
    expect(ix).toMatchObject({ truncated: 1, bytes: 1024 * 1024 });
    // The open command's -n: from the hit to the end of what was indexed.
    expect(hit!.tail).toBeGreaterThanOrEqual(10);
    expect(hit!.tail).toBeLessThan(30);
  });

  it('waits while another process holds the database, then indexes; a deleted run takes its chunks along', async () => {
    endedRun(t.db, 'run-1', 'the ocelot hid\n');
    setBusyTimeout(t.db, 10);
    const other = openDb({ path: t.path });
    other.exec('BEGIN IMMEDIATE');
    const idx = new LogIndexer({ db: t.db, scrub: () => scrubShapes, log: () => undefined, retryMs: 20 });
    idx.ended('run-1');
    await new Promise((r) => setTimeout(r, 200));
    expect(idx.idle).toBe(false);
    other.exec('COMMIT');
    other.close();
    await waitFor(
      'the index',
      () => idx.idle,
      (x) => x,
      { timeout: 10_000, interval: 10 },
    );
    expect(find(t.db, 'ocelot')).toHaveLength(1);
    t.db.prepare("DELETE FROM runs WHERE id = 'run-1'").run();
    expect(find(t.db, 'ocelot')).toEqual([]);
    expect(t.db.prepare('SELECT count(*) AS n FROM run_log_chunks').get()).toEqual({ n: 0 });
  });

  it('leaves a run whose secrets cannot be read unindexed, and indexes it once they can', async () => {
    endedRun(t.db, 'run-s', 'the secret is hunter2-secret\n');
    let scrub: ReturnType<typeof makeScrubber> | null = null;
    const said: string[] = [];
    const idx = new LogIndexer({ db: t.db, scrub: () => scrub, log: (l) => said.push(l) });
    idx.ended('run-s');
    await waitFor(
      'the indexer',
      () => idx.idle,
      (x) => x,
      { timeout: 10_000, interval: 10 },
    );
    expect(find(t.db, 'secret')).toEqual([]);
    expect(said).toEqual([expect.stringMatching(/run run-s of w waits: its secrets cannot be read now/)]);
    scrub = makeScrubber([{ name: 'PW', value: 'hunter2-secret' }]);
    idx.sweep();
    await waitFor(
      'the indexer',
      () => idx.idle,
      (x) => x,
      { timeout: 10_000, interval: 10 },
    );
    expect(find(t.db, 'secret').map((h) => plainSnippet(h.snippet))).toEqual(['the secret is [REDACTED:PW]']);
  });

  it('finds ended runs not indexed yet when it starts, and indexes a run again from its start', async () => {
    endedRun(t.db, 'run-a', 'the tapir slept\n');
    endedRun(t.db, 'run-b', 'the tapir woke\n');
    // A half-done index of run-a, as a supervisor that died mid-way left it.
    t.db.prepare("INSERT INTO run_log_chunks (run_id, agent, line_no, text) VALUES ('run-a', 'w', 1, 'the tapir slept')").run();
    const idx = new LogIndexer({ db: t.db, scrub: () => scrubShapes, log: () => undefined });
    idx.start();
    await waitFor(
      'the index',
      () => idx.idle,
      (x) => x,
      { timeout: 10_000, interval: 10 },
    );
    idx.stop();
    expect(
      find(t.db, 'tapir')
        .map((h) => h.id)
        .sort(),
    ).toEqual(['run-a', 'run-b']);
  });
});

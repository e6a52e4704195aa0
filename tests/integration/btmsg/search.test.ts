import { describe, expect, it } from 'vitest';
import type { SearchResult } from '../../../src/msg/messages.js';
import { jsonError, ok, send, useTeam } from './fixture.js';

type Hit = SearchResult;

describe('btmsg search', () => {
  const t = useTeam();

  it('finds messages by their words, best match first, with a snippet', () => {
    const weak = send(t.alice, 'bob', 'Lunch plans for Friday, the usual place near the office; also someone should look at the migration at some point.');
    const strong = send(t.boss, 'bob', 'migration failed: rerun the migration after the migration lock clears');
    send(t.alice, 'bob', 'nothing to see here');

    const hits = ok<Hit[]>(t.bob(['search', 'migration', '--json']));
    expect(hits.map((h) => h.id)).toEqual([strong.id, weak.id]);
    expect(hits[0]!.rank).toBeLessThanOrEqual(hits[1]!.rank);
    expect(hits[0]).toMatchObject({ kind: 'message', from: 'boss', to: 'bob' });
    expect(hits[0]!.snippet).toContain('migration');
    // The JSON snippet carries no highlight control characters.
    // eslint-disable-next-line no-control-regex
    expect(hits[0]!.snippet).not.toMatch(/[\x01\x02]/);
  });

  it('marks the matched words in the human output', () => {
    send(t.alice, 'bob', 'the flaky test is back');
    const r = t.bob(['search', 'flaky']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{8} .*alice → bob .*the \[flaky\] test is back\n$/);
  });

  it('requires every word of a multi-word query', () => {
    send(t.alice, 'bob', 'redis cache warmed');
    send(t.alice, 'bob', 'redis is down');
    const hits = ok<Hit[]>(t.bob(['search', 'redis', 'cache', '--json']));
    expect(hits.map((h) => h.snippet)).toEqual([expect.stringContaining('cache')]);
  });

  it('searches channel posts of channels the agent belongs to', () => {
    expect(t.alice(['channel', 'create', 'ops', 'bob']).code).toBe(0);
    expect(t.alice(['channel', 'send', 'ops', 'rollback of the payments service done']).code).toBe(0);
    expect(ok<Hit[]>(t.bob(['search', 'payments', '--json'])).map((h) => h.kind)).toEqual(['channel']);
    expect(ok<Hit[]>(t.carol(['search', 'payments', '--json']))).toEqual([]);
  });

  it('finds only messages the searcher sent or received, but everything for the operator', () => {
    send(t.alice, 'bob', 'the secret handshake');
    expect(ok<Hit[]>(t.carol(['search', 'handshake', '--json']))).toEqual([]);
    expect(ok<Hit[]>(t.admin(['search', 'handshake', '--json']))).toHaveLength(1);
    expect(ok<Hit[]>(t.alice(['search', 'handshake', '--json']))).toHaveLength(1);
  });

  it('keeps at most --limit hits', () => {
    for (const n of ['one', 'two', 'three']) send(t.alice, 'bob', `alert ${n}`);
    expect(ok<Hit[]>(t.bob(['search', 'alert', '--limit', '2', '--json']))).toHaveLength(2);
  });

  it('says so when nothing matches', () => {
    const r = t.bob(['search', 'zebra']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no matches/);
  });

  it('takes quotes, operators and punctuation in a query as plain text', () => {
    send(t.alice, 'bob', 'the "quoted" word and NEAR stuff (parenthesised) it\'s fine');
    for (const q of ['"', 'word"', 'quoted OR', 'NOT word', 'NEAR(a b)', '*', 'col:word', "it's"]) {
      const r = t.bob(['search', q, '--json']);
      expect(r.code, `${q}: ${r.stderr}`).toBe(0);
      expect(Array.isArray(JSON.parse(r.stdout)), q).toBe(true);
    }
    // An operator word is searched for as a word, not obeyed.
    expect(ok<Hit[]>(t.bob(['search', 'NEAR', 'stuff', '--json']))).toHaveLength(1);
    expect(ok<Hit[]>(t.bob(['search', 'word', 'OR', 'zebra', '--json']))).toEqual([]);
  });

  it('passes a query through to FTS5 with --raw and reports a broken one as a usage error', () => {
    send(t.alice, 'bob', 'deploy finished');
    send(t.alice, 'bob', 'rollback finished');
    expect(ok<Hit[]>(t.bob(['search', '--raw', 'deploy OR rollback', '--json']))).toHaveLength(2);
    expect(ok<Hit[]>(t.bob(['search', '--raw', 'depl*', '--json']))).toHaveLength(1);
    for (const q of ['"unbalanced', 'deploy AND', 'nocolumn:deploy', '*']) {
      const bad = t.bob(['search', '--raw', q, '--json']);
      expect(bad.code, `${q}: ${bad.stderr}`).toBe(2);
      expect(jsonError(bad).message).toMatch(/invalid FTS5 query/);
    }
  });

  it('refuses an empty query', () => {
    const r = t.bob(['search', '  ']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/query is empty/);
  });
});

import { describe, expect, it } from 'vitest';
import { type ConflictSighting, inOpenConflict, listConflicts, openConflictCounts, recordConflict } from '../../../src/db/conflicts.js';
import { schemaVersion, writeTx } from '../../../src/db/open.js';
import { LATEST_VERSION } from '../../../src/db/migrations/index.js';
import { ackConflictAs } from '../../../src/supervisor/conflict-list.js';
import { freshDb } from '../../helpers/db.js';

const merge = (o: Partial<ConflictSighting> = {}): ConflictSighting => ({
  key: 'merge:/w/a\0/w/b',
  kind: 'merge',
  tree: '/repo/.git',
  agents: ['b', 'a'],
  files: ['f.txt'],
  sig: 's1',
  replace: true,
  at: 1000,
  ...o,
});

describe('the conflicts table', () => {
  const t = freshDb();
  const rec = (s: ConflictSighting) => writeTx(t.db, () => recordConflict(t.db, s));

  it('is created by the latest migration', () => {
    expect(schemaVersion(t.db)).toBe(LATEST_VERSION);
    expect(listConflicts(t.db)).toEqual([]);
  });

  it('records a sighting once and updates it when seen again', () => {
    expect(rec(merge()).change).toBe('new');
    const again = rec(merge({ at: 2000 }));
    expect(again.change).toBe('same');
    expect(again.row).toMatchObject({ agents: '["a","b"]', files: '["f.txt"]', first_seen: 1000, last_seen: 2000, status: 'open' });
    expect(listConflicts(t.db)).toHaveLength(1);
  });

  it('keeps an acknowledged merge conflict silent until its conflicting content changes', () => {
    const { row } = rec(merge());
    ackConflictAs(t.db, row.id, 'admin', 'known', 1500);
    expect(inOpenConflict(t.db, 'a')).toBe(false);
    expect(rec(merge({ at: 2000 })).change).toBe('same');
    expect(rec(merge({ at: 3000, sig: 's2' })).change).toBe('reopened');
    expect(inOpenConflict(t.db, 'a')).toBe(true);
    expect(openConflictCounts(t.db)).toEqual([
      { agent: 'a', n: 1 },
      { agent: 'b', n: 1 },
    ]);
  });

  it('re-opens an acknowledged overlap at any new write, adding the file', () => {
    const s: ConflictSighting = { key: 'overlap:/w:a,b', kind: 'overlap', tree: '/w', agents: ['a', 'b'], files: ['x'], at: 1 };
    const { row } = rec(s);
    ackConflictAs(t.db, row.id, 'admin', null);
    const r = rec({ ...s, files: ['y'], at: 2 });
    expect(r.change).toBe('reopened');
    expect(JSON.parse(r.row.files)).toEqual(['x', 'y']);
  });

  it('refuses to acknowledge an unknown conflict with exit 3', () => {
    expect(() => ackConflictAs(t.db, 42, 'admin', null)).toThrow(expect.objectContaining({ code: 3, message: 'no conflict 42' }));
  });
});

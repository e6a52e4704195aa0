import { describe, expect, it } from 'vitest';
import { CLAIM_TTL_MS, OverlapTracker } from '../../../src/supervisor/overlap.js';
import { common, pairs } from '../../../src/supervisor/conflict-scan.js';
import { quotePath } from '../../../src/supervisor/conflict-list.js';

const view = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('overlap attribution', () => {
  it('takes the first view as the baseline: what was changed before anyone watched is nobody’s', () => {
    const t = new OverlapTracker();
    expect(t.observe(view({ 'f.txt': ' M:1:1' }), ['a'], 0)).toEqual([]);
    expect(t.touchers('f.txt')).toEqual([]);
  });

  it('gives a change to the one agent that ran, and flags a second agent changing the same file', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    expect(t.observe(view({ 'f.txt': ' M:1:1' }), ['a'], 1)).toEqual([]);
    expect(t.touchers('f.txt')).toEqual(['a']);
    expect(t.observe(view({ 'f.txt': ' M:2:2' }), ['b'], 2)).toEqual([{ kind: 'overlap', file: 'f.txt', agents: ['a', 'b'] }]);
  });

  it('sees a second write to a file that was already changed (its signature changes)', () => {
    const t = new OverlapTracker();
    t.observe(view({ 'f.txt': ' M:1:1' }), [], 0);
    expect(t.observe(view({ 'f.txt': ' M:1:1' }), ['a'], 1)).toEqual([]);
    expect(t.touchers('f.txt')).toEqual([]);
    t.observe(view({ 'f.txt': ' M:1:2' }), ['a'], 2);
    expect(t.touchers('f.txt')).toEqual(['a']);
  });

  it('calls a change while no agent ran external, naming the agents that changed the file before', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    expect(t.observe(view({ 'new.txt': '??:1:1' }), [], 1)).toEqual([{ kind: 'external', file: 'new.txt', agents: [] }]);
    t.observe(view({ 'new.txt': '??:1:1', 'f.txt': ' M:1:1' }), ['a'], 2);
    expect(t.observe(view({ 'new.txt': '??:1:1', 'f.txt': ' M:1:9' }), [], 3)).toEqual([{ kind: 'external', file: 'f.txt', agents: ['a'] }]);
  });

  it('leaves a change unattributed when several agents ran and no tool call claims it', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    expect(t.observe(view({ 'f.txt': ' M:1:1' }), ['a', 'b'], 1)).toEqual([]);
    expect(t.touchers('f.txt')).toEqual([]);
  });

  it('gives a claimed change to its claimers only, and flags two claimers at the claim', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    expect(t.claim('a', 'f.txt', 1)).toEqual([]);
    expect(t.claim('b', 'f.txt', 2)).toEqual([{ kind: 'overlap', file: 'f.txt', agents: ['a', 'b'] }]);
    // git sees the change while a, b and c ran: the claim decides, c is not blamed.
    expect(t.observe(view({ 'f.txt': ' M:1:1' }), ['a', 'b', 'c'], 3)).toEqual([]);
    expect(t.touchers('f.txt')).toEqual(['a', 'b']);
  });

  it('lets a claim lapse, so a later change is attributed by who ran', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    t.claim('a', 'f.txt', 0);
    t.observe(view({ 'f.txt': ' M:1:1' }), ['a'], 1);
    expect(t.observe(view({ 'f.txt': ' M:1:2' }), ['b'], CLAIM_TTL_MS + 10)).toEqual([{ kind: 'overlap', file: 'f.txt', agents: ['a', 'b'] }]);
  });

  it('gives a change to the one agent whose run was live when the file was written, whoever else ran since', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    const writers = (f: string) => (f === 'f.txt' ? ['a'] : f === 'g.txt' ? ['a', 'b'] : null);
    expect(t.observe(view({ 'f.txt': ' M:1:1', 'g.txt': ' M:1:1' }), ['a', 'b'], 1, { writers })).toEqual([]);
    expect(t.touchers('f.txt')).toEqual(['a']);
    // Both were live when g.txt was written: nobody can tell.
    expect(t.touchers('g.txt')).toEqual([]);
  });

  it('counts files written since watching began even when the first look comes late', () => {
    const t = new OverlapTracker();
    const fresh = (f: string) => f === 'new.txt';
    t.observe(view({ 'old.txt': ' M:1:1', 'new.txt': ' M:1:1' }), ['a'], 0, { fresh });
    expect(t.touchers('new.txt')).toEqual(['a']);
    expect(t.touchers('old.txt')).toEqual([]);
  });

  it('forgets who changed a file once it has no change (committed or reverted)', () => {
    const t = new OverlapTracker();
    t.observe(view({}), [], 0);
    t.observe(view({ 'f.txt': ' M:1:1' }), ['a'], 1);
    expect(t.observe(view({}), ['a'], 2)).toEqual([{ kind: 'clean', file: 'f.txt' }]);
    expect(t.observe(view({ 'f.txt': ' M:1:3' }), ['b'], 3)).toEqual([]);
    expect(t.touchers('f.txt')).toEqual(['b']);
  });
});

describe('merge check pair selection', () => {
  it('lists every unordered pair once', () => {
    expect(pairs(['a', 'b', 'c'])).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(pairs(['a'])).toEqual([]);
  });

  it('merges only pairs whose changed files intersect', () => {
    expect(common(new Set(['x', 'y', 'z']), new Set(['z', 'q', 'x']))).toEqual(['x', 'z']);
    expect(common(new Set(['x']), new Set(['y']))).toEqual([]);
  });
});

describe('file names shown on one line', () => {
  it('C-quotes names with newlines, tabs, quotes or controls and leaves plain ones alone', () => {
    expect(quotePath('src/a b.ts')).toBe('src/a b.ts');
    expect(quotePath('a\nb')).toBe('"a\\nb"');
    expect(quotePath('x\x1by"\\')).toBe('"x\\x1by\\"\\\\"');
  });
});

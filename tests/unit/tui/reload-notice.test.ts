import { describe, expect, test } from 'vitest';
import { MultiSource } from '../../../src/tui/multi.js';
import { type ReloadNotice, reloadNotice } from '../../../src/tui/reload-notice.js';
import { fixture } from './fake-source.js';

describe("the dashboard's reload notice", () => {
  test('says what an applied reload did, and why a refused one was refused', () => {
    expect(reloadNotice({ event: 'reload', status: 'applied', added: ['c'], removed: [], restarted: ['a'], updated: [], error: null }, 1)).toEqual({
      seq: 1,
      status: 'applied',
      text: 'agor.yaml reloaded: added c; restarted a',
    });
    expect(reloadNotice({ event: 'reload', status: 'applied', added: [], removed: [], restarted: [], updated: [], error: null }, 2)?.text).toBe(
      'agor.yaml reloaded: no changes',
    );
    expect(reloadNotice({ event: 'reload', status: 'refused', error: '/t/agor.yaml:3: not valid YAML' }, 3)).toEqual({
      seq: 3,
      status: 'refused',
      text: 'agor.yaml reload refused: /t/agor.yaml:3: not valid YAML',
    });
  });

  test('ignores other events and reload events of an unknown shape', () => {
    expect(reloadNotice({ event: 'state', status: 'applied' }, 1)).toBeNull();
    expect(reloadNotice({ event: 'reload', status: 'maybe' }, 1)).toBeNull();
    // Ids that are not strings (a relay's events arrive as plain JSON) are left out.
    expect(reloadNotice({ event: 'reload', status: 'applied', added: [1, 'b'] }, 1)?.text).toBe('agor.yaml reloaded: added b');
  });

  test('over several hosts, names the host of the newest reload', () => {
    const [h1, h2] = [fixture(), fixture()];
    let n1: ReloadNotice | null = null;
    let n2: ReloadNotice | null = null;
    Object.assign(h1, { lastReload: () => n1 });
    Object.assign(h2, { lastReload: () => n2 });
    const multi = new MultiSource([
      { name: 'h1', source: h1 },
      { name: 'h2', source: h2 },
    ]);
    expect(multi.lastReload()).toBeNull();
    n2 = { seq: 1, status: 'applied', text: 'agor.yaml reloaded: added x' };
    const first = multi.lastReload();
    expect(first).toMatchObject({ status: 'applied', text: 'h2: agor.yaml reloaded: added x' });
    expect(multi.lastReload()).toBe(first);
    n1 = { seq: 1, status: 'refused', text: 'agor.yaml reload refused: bad' };
    expect(multi.lastReload()).toMatchObject({ seq: first!.seq + 1, status: 'refused', text: 'h1: agor.yaml reload refused: bad' });
  });
});

import { describe, expect, test } from 'vitest';
import type { AuditEntry } from '../../../src/tui/source.js';
import { FakeSource, fleetAgent } from './fake-source.js';
import { renderApp } from './render.js';

const failure: AuditEntry = {
  id: 9,
  agent: 'admin',
  type: 'hook_failed',
  detail: JSON.stringify({ event: 'run_end', command: 'notify-send', agent: 'dev', exit: 1, signal: null, timed_out: false, error: null }),
  created_at: '2026-01-01 10:00:00',
};

describe('hook failures in the fleet view', () => {
  test('shows how many hooks failed and how the last one failed, when the source knows', async () => {
    const s = Object.assign(new FakeSource(), { hookFailures: () => ({ count: 3, last: failure }) });
    s.agents = [fleetAgent({ id: 'dev', state: 'idle' })];
    const r = await renderApp(s, { columns: 80, rows: 24 });
    const f = await r.waitFor('hooks:');
    expect(f).toContain('hooks: 3 failed in 24 h (last: run_end notify-send exit 1)');
  });

  test('shows nothing about hooks when none failed, or the source cannot say (a relay)', async () => {
    for (const s of [Object.assign(new FakeSource(), { hookFailures: () => ({ count: 0, last: null }) }), new FakeSource()]) {
      s.agents = [fleetAgent({ id: 'dev', state: 'idle' })];
      const r = await renderApp(s, { columns: 80, rows: 24 });
      expect(await r.waitFor('dev')).not.toContain('hooks:');
    }
  });
});

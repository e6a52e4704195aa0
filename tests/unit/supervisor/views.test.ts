import { describe, expect, it } from 'vitest';
import { type AgentFacts, agentView } from '../../../src/supervisor/views.js';

const facts = (o: Partial<AgentFacts> = {}): AgentFacts => ({
  id: 'w',
  name: 'Worker',
  role: 'project',
  mode: 'service',
  strategy: 'persistent',
  state: 'running',
  health: 'healthy',
  run: { id: 'r1', pid: 42, startedAt: Date.parse('2026-01-05T09:00:00Z'), lastOutputAt: Date.parse('2026-01-05T09:00:30Z'), heartbeatAt: null },
  restarts: 1,
  attempts: 0,
  nextStartAt: null,
  pendingWakes: 2,
  unread: 3,
  claimed: 1,
  attention: { score: 0, reason: null },
  supervised: true,
  stallAfterMs: 900_000,
  lastRun: { last_outcome: 'success', last_error_class: null, last_note: null, last_exit_code: 0, last_signal: null, last_line: null },
  ...o,
});

describe('the agent view', () => {
  it('shows a running agent with ISO times, its uptime and stall bound in seconds', () => {
    const v = agentView(facts(), Date.parse('2026-01-05T09:01:00Z'));
    expect(v).toMatchObject({
      id: 'w',
      pid: 42,
      run_id: 'r1',
      started_at: '2026-01-05T09:00:00.000Z',
      uptime_s: 60,
      last_output_at: '2026-01-05T09:00:30.000Z',
      last_heartbeat_at: null,
      pending_wakes: 2,
      unread: 3,
      claimed: 1,
      stall_after_s: 900,
      last_outcome: 'success',
    });
  });

  it('shows a stalled agent as degraded, never stalled and healthy at once', () => {
    expect(agentView(facts({ state: 'stalled' }), Date.now()).health).toBe('degraded');
    expect(agentView(facts({ state: 'stalled', health: 'failed' }), Date.now()).health).toBe('failed');
    expect(agentView(facts({ state: 'idle' }), Date.now()).health).toBe('healthy');
  });

  it('shows no run fields for an agent at rest, and an unknown stall bound as null', () => {
    const v = agentView(facts({ run: null, state: 'dormant', stallAfterMs: null, nextStartAt: Date.parse('2026-01-05T09:02:00Z') }), Date.now());
    expect(v).toMatchObject({
      pid: null,
      run_id: null,
      started_at: null,
      uptime_s: null,
      last_output_at: null,
      stall_after_s: null,
      next_start_at: '2026-01-05T09:02:00.000Z',
    });
  });
});

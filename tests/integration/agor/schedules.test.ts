import { describe, expect, it } from 'vitest';
import { group, ms, sh, sleep, sql, waitFor } from './fixture.js';

const SHOW_PROMPT = sh('echo "reason=$AGOR_WAKE_REASON"; printf "%s\\n" "$AGOR_PROMPT"');

const scheduled = (cron: string, tz: string, prompt: string) => ({
  mode: 'on-demand',
  command: SHOW_PROMPT,
  stop_grace: '1s',
  schedules: [{ cron, tz, prompt }],
});

const lastFired = (db: string, agent: string) =>
  sql(db, (d) => (d.prepare('SELECT last_fired_at FROM schedules WHERE agent = ?').get(agent) as { last_fired_at: number } | undefined)?.last_fired_at ?? null);

describe.concurrent('agor schedules', () => {
  it('fires a schedule at its minute by the supervisor’s clock, in the schedule’s time zone', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        utc: scheduled('0 9 * * *', 'UTC', 'Morning report.'),
        // 10:00 in Berlin is 09:00Z in January.
        berlin: scheduled('0 10 * * *', 'Europe/Berlin', 'Berlin report.'),
        // 09:00 in Berlin was 08:00Z, an hour before the clock starts: a new schedule does not replay it.
        early: scheduled('0 9 * * *', 'Europe/Berlin', 'Too early.'),
      },
    });
    await g.up({ AGOR_CLOCK: '2026-01-05T08:59:58Z' });
    expect(await g.runs()).toEqual([]);

    for (const [agent, tz, prompt] of [
      ['utc', 'UTC', 'Morning report.'],
      ['berlin', 'Europe/Berlin', 'Berlin report.'],
    ] as const) {
      const [run] = await g.waitRuns(agent, 'a scheduled run', (rs) => rs.length === 1 && rs[0]!.outcome !== null, 8000);
      expect(run).toMatchObject({ outcome: 'success', wake_reason: 'schedule' });
      expect(ms(run!.started_at)).toBeGreaterThanOrEqual(Date.parse('2026-01-05T09:00:00Z'));
      expect(ms(run!.started_at)).toBeLessThanOrEqual(Date.parse('2026-01-05T09:00:05Z'));
      const log = g.logOf(run!);
      expect(log).toContain('reason=schedule\n');
      expect(log.split('\n')[1]).toBe(prompt);
      expect(log).toContain(`- schedule ${agent === 'utc' ? '0 9' : '0 10'} * * * (${tz}) for 2026-01-05T09:00:00.000Z: ${prompt}\n`);
      expect(g.wakes(agent)).toEqual([expect.objectContaining({ reason: 'schedule', run_id: run!.id })]);
      expect(lastFired(g.db, agent)).toBe(Date.parse('2026-01-05T09:00:00Z'));
    }
    await sleep(1000);
    expect(await g.runs('early')).toEqual([]);
    expect(await g.runs('utc')).toHaveLength(1);
  });

  it('fires a schedule missed during downtime once, saying how many slots were missed', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { daily: scheduled('0 9 * * *', 'UTC', 'Daily digest.') } });
    const clock = { AGOR_CLOCK: '2026-01-05T10:00:00Z' };
    // First sight: the schedule starts counting from now and fires nothing.
    await g.up(clock);
    await waitFor(
      'the schedule to be seen',
      () => lastFired(g.db, 'daily'),
      (at) => at !== null,
    );
    expect((await g.down()).code).toBe(0);
    expect(await g.runs('daily')).toEqual([]);
    expect(lastFired(g.db, 'daily')).not.toBeNull();

    // It last fired three days ago: the slots of Jan 3, 4 and 5 were missed.
    sql(g.db, (d) => d.prepare('UPDATE schedules SET last_fired_at = ? WHERE agent = ?').run(Date.parse('2026-01-02T09:00:00Z'), 'daily'));
    await g.up(clock);
    const [run] = await g.waitRuns('daily', 'the catch-up run', (rs) => rs.length >= 1 && rs[0]!.outcome !== null, 6000);
    expect(run).toMatchObject({ outcome: 'success', wake_reason: 'schedule' });
    expect(g.wakes('daily')).toEqual([
      expect.objectContaining({ reason: 'schedule', detail: '0 9 * * * (UTC) for 2026-01-05T09:00:00.000Z, 3 slots missed while down', run_id: run!.id }),
    ]);
    expect(g.logOf(run!)).toContain('3 slots missed while down');
    expect(lastFired(g.db, 'daily')).toBe(Date.parse('2026-01-05T09:00:00Z'));
    await sleep(1500);
    expect(await g.runs('daily')).toHaveLength(1);

    // Once caught up, another restart fires nothing.
    expect((await g.down()).code).toBe(0);
    await g.up(clock);
    await sleep(1500);
    expect(await g.runs('daily')).toHaveLength(1);
  });

  it('lists schedules with their last and next slots', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { daily: scheduled('30 6 * * 1-5', 'Europe/Berlin', 'Weekday digest.') } });
    const list = await g.ok<Record<string, unknown>[]>(['schedule', 'list', '-f', g.file], { env: { AGOR_CLOCK: '2026-01-09T12:00:00Z' } });
    // Friday noon: the next weekday 06:30 in Berlin is Monday 05:30Z.
    expect(list).toEqual([
      expect.objectContaining({
        agent: 'daily',
        cron: '30 6 * * 1-5',
        tz: 'Europe/Berlin',
        prompt: 'Weekday digest.',
        timeout_s: 1500,
        last_fired_at: null,
        next_at: '2026-01-12T05:30:00.000Z',
      }),
    ]);
  });
});

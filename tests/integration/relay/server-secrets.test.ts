import { expect, it } from 'vitest';
import { keyringInThisProcess } from '../../helpers/keyring.js';
import { group, sh, waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, Client, relay } from './relay.js';

const keyring = keyringInThisProcess();

const VALUE = 'hunter2-relay-secret-0451';

it("shows a run's own secret redacted by name in log tails and logs, with and without a supervisor", async ({ onTestFinished }) => {
  const g = group(onTestFinished, {
    group: `relay${Math.random().toString(36).slice(2, 8)}`,
    agents: { needy: { command: sh('echo "using $API_KEY now"; exec sleep 300'), secrets: ['API_KEY'], stop_grace: '1s' } },
  });
  const set = await g.agor(['secret', 'set', 'API_KEY'], { input: `${VALUE}\n`, env: keyring().env, cwd: g.dir });
  expect(set.code, set.stderr).toBe(0);
  await g.up(keyring().env);
  await g.waitAgent('needy', 'running', (a) => a.pid !== null);
  const r = await relay(onTestFinished, g.db);
  const c = await Client.open(r.url, ADMIN_TOKEN);
  onTestFinished(() => c.close());

  const REDACTED = ['using [REDACTED:API_KEY] now'];
  const tail = await waitFor(
    'the line in the log tail',
    () => c.ok<{ lines: string[] }>('log_tail', { agent: 'needy' }),
    (t) => t.lines.length > 0,
  );
  expect(tail.lines).toEqual(REDACTED);
  expect((await c.ok<{ lines: string[] }>('logs', { agent: 'needy' })).lines).toEqual(REDACTED);

  expect((await g.down()).code).toBe(0);
  await waitFor(
    'the relay to see the supervisor gone',
    () => c.ok<{ state: string }>('status'),
    (s) => s.state === 'lost',
    { timeout: 15_000, interval: 100 },
  );
  expect((await c.ok<{ lines: string[] }>('log_tail', { agent: 'needy' })).lines).toEqual(REDACTED);
  expect((await c.ok<{ lines: string[] }>('logs', { agent: 'needy' })).lines).toEqual(REDACTED);
  expect(JSON.stringify(c.msgs)).not.toContain(VALUE);
});

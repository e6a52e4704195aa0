import { expect, it } from 'vitest';
import { group, sh, waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, Client, frame, rawUpgrade, relay } from './relay.js';

it('cuts off a client that never reads once 8 MiB wait for it, while a list from another client stays fast', async ({ onTestFinished }) => {
  // About 8 MB a second of output, which the supervisor passes on at up to 4 MiB a second per follower.
  const g = group(onTestFinished, {
    agents: { chatty: { command: sh('line=$(printf "%0199d" 0); while :; do yes "$line" | head -c 1000000; sleep 0.1; done'), stop_grace: '1s' } },
  });
  await g.up();
  await g.waitAgent('chatty', 'running', (a) => a.pid !== null);
  const r = await relay(onTestFinished, g.db);

  const { status, socket } = await rawUpgrade(r.port, ADMIN_TOKEN);
  onTestFinished(() => void socket.destroy());
  expect(status).toBe(101);
  // Subscribe and follow the log, then read nothing at all (the socket stays paused).
  socket.write(
    Buffer.concat([frame(JSON.stringify({ id: 1, op: 'subscribe' })), frame(JSON.stringify({ id: 2, op: 'logs', agent: 'chatty', lines: 0, follow: true }))]),
  );

  const c = await Client.open(r.url, ADMIN_TOKEN);
  onTestFinished(() => c.close());
  const times: number[] = [];
  await waitFor(
    'the relay to cut the reader off',
    async () => {
      const t0 = Date.now();
      await c.ok('list');
      times.push(Date.now() - t0);
      return r.logs.find((e) => e.event === 'disconnect' && /unsent: cut off/.test(e.detail ?? ''));
    },
    (e) => e !== undefined,
    { timeout: 45_000, interval: 100 },
  );
  expect(times.length).toBeGreaterThan(3);
  // Generous for a loaded 2-core machine; on an idle one each takes a few ms.
  expect(Math.max(...times)).toBeLessThan(2000);
  // The relay goes on serving.
  expect((await c.ok<{ id: string }[]>('list'))[0]).toMatchObject({ id: 'chatty' });
});

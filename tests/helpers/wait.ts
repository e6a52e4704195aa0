import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/**
 * Polls `read` until `done` holds for what it returned, and returns that value. On time-out
 * it throws, naming `what` and the last value seen, so a failure says where things stood.
 */
export async function waitFor<V>(
  what: string,
  read: () => V | Promise<V>,
  done: (v: V) => boolean,
  { timeout = 10_000, interval = 100 }: { timeout?: number; interval?: number } = {},
): Promise<V> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() >= deadline) {
      const seen = JSON.stringify(v, null, 1) ?? String(v);
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last seen:\n${seen.length > 4000 ? `${seen.slice(0, 4000)}…` : seen}`);
    }
    await sleep(interval);
  }
}

// Section 16's ceiling: the events per second one agor-relay sustains to one dashboard when
// the supervisor is not what limits them. A stand-in supervisor (bench/event-source.ts)
// sends `state` events at a fixed rate, stepping up; the real agor-relay passes them to one
// subscribed RelayClient here. A step holds when every event arrived and the relay did not
// cut the dashboard off (it does past 8 MiB unsent, by design, to protect itself).
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { RelayClient } from '../src/relay/client.js';
import { REPO, type Log, tempDir } from './fixtures.js';
import { launchRelay, SocketClient } from './relay.js';
import { gone, pending, sampleProcess } from './supervisor.js';

export interface CeilingStep {
  /** Events a second asked of the source. */
  rate: number;
  sent: number;
  /** How long the source took to send them (longer than asked when it could not keep up), seconds. */
  sendSeconds: number;
  received: number;
  /** Events a second as the dashboard received them: from the first to the last. */
  arrivedPerSecond: number;
  /** The relay's CPU over the step, percent of one core. */
  relayCpuPercent: number;
  /** The relay cut the dashboard off (more than 8 MiB unsent). */
  cutOff: boolean;
}

export interface Ceiling {
  steps: CeilingStep[];
  /** The highest rate, as the dashboard received it, of a step where every event arrived; null when even the first step lost some. */
  sustained: number | null;
}

const RATES = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Steps the source's rate up until a step loses events (or the dashboard is cut off). */
export async function relayCeiling(o: { quick: boolean }, log: Log): Promise<Ceiling> {
  const seconds = o.quick ? 2 : 5;
  const dir = tempDir('relay-ceiling');
  const db = join(dir, 'agor.db');
  let source: ChildProcess | undefined;
  let relay: Awaited<ReturnType<typeof launchRelay>> | undefined;
  pending.set('relay-ceiling', () => (source?.kill('SIGKILL'), relay?.relay.kill('SIGKILL')));
  try {
    source = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'event-source.ts'), db, join(dir, 'source.sock')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      source!.once('exit', (code) => reject(new Error(`the event source exited ${code}`)));
      source!.stdout!.once('data', () => resolve());
    });
    const env: NodeJS.ProcessEnv = { ...process.env, AGOR_DB: db, XDG_CONFIG_HOME: join(dir, 'config'), HOME: dir };
    relay = await launchRelay(env, 'ceiling', log);
    const driver = await SocketClient.open(join(dir, 'source.sock'));
    const steps: CeilingStep[] = [];
    let sustained: number | null = null;
    for (const rate of RATES) {
      const dash = await RelayClient.connect({ url: relay.url, pin: relay.pin, token: relay.token, timeoutMs: 20_000 });
      let received = 0;
      let first = 0;
      let last = 0;
      let cutOff = false;
      dash.onEvent = (e) => {
        if (e.event !== 'state') return;
        last = performance.now();
        if (!received++) first = last;
      };
      void dash.closed.then(() => (cutOff = true));
      await dash.request('subscribe');
      // The relay attaches to the source when it starts; a `list` through it proves it has.
      await dash.request('list');
      const cpu = sampleProcess(relay.relay.pid!, seconds);
      const r = await driver.request('firehose', { rate, seconds });
      const { sent, seconds: sendSeconds } = r.result as { sent: number; seconds: number };
      const relayCpu = await cpu;
      // The tail: until nothing more arrives for 300 ms (10 s at most).
      for (let seen = -1, t0 = Date.now(); received !== seen && Date.now() - t0 < 10_000 && !cutOff;) ((seen = received), await sleep(300));
      const arrivedPerSecond = last > first ? received / ((last - first) / 1000) : 0;
      steps.push({ rate, sent, sendSeconds, received, arrivedPerSecond, relayCpuPercent: relayCpu.cpuPercent, cutOff });
      log(
        `  ceiling: ${rate} ev/s asked, ${received} of ${sent} arrived at ${Math.round(arrivedPerSecond)} ev/s${cutOff ? ', dashboard cut off' : ''}, relay CPU ${relayCpu.cpuPercent.toFixed(0)}%`,
      );
      dash.close();
      if (cutOff || received < sent) break;
      sustained = Math.max(sustained ?? 0, arrivedPerSecond);
      // The rate asked was not reached (by the source, the relay or this client): no point asking for more.
      if (arrivedPerSecond < rate * 0.8) break;
    }
    driver.close();
    return { steps, sustained };
  } finally {
    await relay?.stop();
    if (source && source.exitCode === null) {
      source.kill('SIGTERM');
      if (!(await gone(source.pid!, 5000))) source.kill('SIGKILL');
    }
    pending.delete('relay-ceiling');
    rmSync(dir, { recursive: true, force: true });
  }
}

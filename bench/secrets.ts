// Section 13: what secrets cost an agent's start. One supervisor, on a private session bus
// with a real gnome-keyring, runs two on-demand agents with the same command under the
// default sandbox: `three` names three secrets, `none` names none. Each round wakes both
// over the control socket, in an order that alternates between rounds, and takes the time
// from just before the wake is sent to the wall clock the agent's own program reads first
// (as section 11 does). The difference is reading three items from the keyring.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyring } from '../tests/helpers/keyring.js';
import { REPO, type Log, tempDir } from './fixtures.js';
import { type Stats, differenceInterval, ratioInterval, stats } from './harness.js';
import { Control, SANDBOX_ROUNDS_FACTOR, socketOf, stampOf, wakeOnce } from './sandbox.js';
import { agorSupervisor, gone, pending, tearDown } from './supervisor.js';

const AGOR = join(REPO, 'dist', 'agor.cjs');

const AGENTS = ['three', 'none'] as const;
type Agent = (typeof AGENTS)[number];
const SECRETS = ['BENCH_TOKEN_A', 'BENCH_TOKEN_B', 'BENCH_TOKEN_C'];
const STAMP_ARGV = ['date', '+%s%N'];

const yaml = (): string =>
  [
    'group: bench',
    'agents:',
    ...AGENTS.flatMap((a) => [
      `  ${a}:`,
      '    role: project',
      `    command: ${JSON.stringify(STAMP_ARGV)}`,
      '    mode: on-demand',
      ...(a === 'three' ? [`    secrets: [${SECRETS.join(', ')}]`] : []),
      '    env:',
      '      AGOR_BENCH_RUN: "@MARK@"',
    ]),
    '',
  ].join('\n');

export interface SecretsSection {
  title: string;
  rounds: number;
  warmup: number;
  /** Wake sent to the agent program running, ms, per agent, paired by round. */
  three?: { samples: number[]; ms: Stats };
  none?: { samples: number[]; ms: Stats };
  /** median(three) / median(none), with the 90% bootstrap interval over rounds. */
  ratio?: { value: number; interval: [number, number] };
  /** median(three) − median(none), ms, with its interval. */
  addedMs?: { value: number; interval: [number, number] };
  supervisorGone: boolean;
  notes: string[];
  error?: string;
  ok: boolean;
}

/** Section 13: start-to-running latency of an agent with three keyring secrets against one with none. */
export async function secretsLatency(settings: { rounds: number; warmup: number }, log: Log): Promise<SecretsSection> {
  const rounds = settings.rounds * SANDBOX_ROUNDS_FACTOR;
  const warmup = settings.warmup;
  log(`section 13: start-to-running latency, three secrets vs none, ${rounds} rounds + ${warmup} warm-up …`);
  const r: SecretsSection = {
    title: 'Section 13 — start to running: an on-demand agent with three secrets from the keyring vs one with none (no target: side by side)',
    rounds,
    warmup,
    supervisorGone: true,
    notes: [],
    ok: false,
  };
  const dir = tempDir('secrets');
  const kr = await startKeyring();
  const bus = { DBUS_SESSION_BUS_ADDRESS: kr.env.DBUS_SESSION_BUS_ADDRESS! };
  const sup = agorSupervisor(dir, yaml());
  Object.assign(sup.env, bus);
  let pid: number | undefined;
  pending.set('agor-secrets', () => sup.stop());
  try {
    for (const name of SECRETS) {
      const set = spawnSync(process.execPath, [AGOR, 'secret', 'set', name, '-f', join(dir, 'agor.yaml'), '--db', sup.db], {
        env: sup.env,
        input: `bench-${name.toLowerCase()}-${'x'.repeat(32)}\n`,
        encoding: 'utf8',
      });
      if (set.status !== 0) throw new Error(`agor secret set ${name} failed (exit ${set.status}): ${set.stderr.trim().slice(0, 300)}`);
    }
    log('  starting a supervisor with two on-demand agents, three (three secrets) and none …');
    pid = sup.start();
    const ctl = await Control.connect(await socketOf(sup.db, 30_000));
    try {
      await ctl.request('subscribe');
      const samples: Record<Agent, number[]> = { three: [], none: [] };
      const total = warmup + rounds;
      for (let round = 0; round < total; round++) {
        for (const agent of round % 2 ? [...AGENTS].reverse() : AGENTS) {
          const { t0, run } = await wakeOnce(ctl, agent);
          const ms = (await stampOf(ctl, agent, run)) - t0;
          if (round >= warmup) samples[agent].push(ms);
        }
        if ((round + 1) % Math.max(1, Math.round(total / 4)) === 0 && round + 1 < total) log(`  section 13: round ${round + 1}/${total}`);
      }
      for (const a of AGENTS) r[a] = { samples: samples[a], ms: stats(samples[a]) };
      r.ratio = { value: r.three!.ms.median / r.none!.ms.median, interval: ratioInterval(samples.three, samples.none) };
      r.addedMs = { value: r.three!.ms.median - r.none!.ms.median, interval: differenceInterval(samples.three, samples.none) };
    } finally {
      ctl.close();
    }
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
    log(`!!! section 13: ${r.error}`);
  } finally {
    log('  tearing down …');
    if (pid !== undefined) tearDown(() => sup.stop(), r, 'section 13', log);
    pending.delete('agor-secrets');
    r.supervisorGone = pid === undefined || (await gone(pid, 10_000));
    if (!r.supervisorGone && pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    kr.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  r.notes = [
    `agent program: ${STAMP_ARGV.join(' ')} (into its run log); latency = the time it prints − the wall clock just before the wake request was written`,
    'a private dbus-daemon and gnome-keyring-daemon (tests/helpers/keyring.ts); the secrets stored with agor secret set; both agents under the default sandbox',
    `${rounds} rounds (${SANDBOX_ROUNDS_FACTOR} × --rounds) after ${warmup} warm-up; three first in even rounds, none first in odd ones; interval: 90% paired bootstrap over rounds`,
  ];
  r.ok = !r.error && r.supervisorGone && !!r.three && !!r.none;
  return r;
}

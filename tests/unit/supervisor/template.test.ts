import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AgentConfig, ConfigError, type GroupConfig, loadConfig, parseConfig } from '../../../src/supervisor/config.js';
import { EXAMPLE_CONFIG } from '../../../src/supervisor/template.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agor-template-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` as agor.yaml in a fresh directory and loads it from there, as `agor up` does. */
function load(text = EXAMPLE_CONFIG): GroupConfig {
  const file = join(dir, 'agor.yaml');
  writeFileSync(file, text);
  return loadConfig(file);
}

function loadError(text: string): ConfigError {
  try {
    load(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the file was accepted');
}

const agent = (c: GroupConfig, id: string): AgentConfig => {
  const a = c.agents.find((x) => x.id === id);
  if (!a) throw new Error(`no agent ${id}`);
  return a;
};

/** A PATH directory holding only `real` (linked to the programs on PATH) and `stubs` (scripts that exit 0). */
function pathWith(real: string[], stubs: string[] = []): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of real) {
    const found = (process.env.PATH ?? '')
      .split(delimiter)
      .map((d) => join(d, name))
      .find((p) => existsSync(p));
    if (!found) throw new Error(`no ${name} on PATH`);
    if (!existsSync(join(bin, name))) symlinkSync(found, join(bin, name));
  }
  for (const name of stubs) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

/** The keys the parser accepts at one level, read from the hint of its unknown-key error. */
function allowedKeys(text: string): string[] {
  let hint: string | undefined;
  try {
    parseConfig(text, '/tmp/agor.yaml');
  } catch (e) {
    hint = (e as ConfigError).hint;
  }
  const m = /^allowed here: (.+)$/.exec(hint ?? '');
  if (!m) throw new Error(`no list of allowed keys for:\n${text}`);
  return m[1]!.split(', ');
}

const ONE_AGENT = 'group: g\nagents:\n  a:\n    command: [sh]\n';
const KEYS = {
  top: allowedKeys(`${ONE_AGENT}bogus: 1\n`),
  agent: allowedKeys(`${ONE_AGENT}    bogus: 1\n`),
  restart: allowedKeys(`${ONE_AGENT}    restart: { bogus: 1 }\n`),
  schedule: allowedKeys(`${ONE_AGENT}    schedules: [{ bogus: 1 }]\n`),
  wake: allowedKeys(`${ONE_AGENT}    wake: { bogus: 1 }\n`),
};
// Asked when used, so that a parser without these keys fails only the tests that need them.
const sandboxKeys = () => allowedKeys(`${ONE_AGENT}    sandbox: { bogus: 1 }\n`);
const limitKeys = () => allowedKeys(`${ONE_AGENT}    limits: { bogus: 1 }\n`);
const ALL_KEYS = new Set(Object.values(KEYS).flat());

const LINES = EXAMPLE_CONFIG.split('\n');
const indent = (line: string) => line.length - line.trimStart().length;
const isComment = (line: string) => line.trimStart().startsWith('#');
/** A commented-out setting such as "# stop_grace: 10s", as opposed to prose. */
const isCommentedKey = (line: string) => {
  const m = /^\s*#\s+([a-z_]+):\s/.exec(line);
  return m !== null && ALL_KEYS.has(m[1]!);
};

/** The index of the one line in `section` (an agent id, or null for the top level) that starts with `start`. */
function lineIndex(section: string | null, start: string): number {
  let from = 0;
  let to = LINES.length;
  if (section !== null) {
    from = LINES.indexOf(`  ${section}:`);
    expect(from, `agent ${section}`).toBeGreaterThanOrEqual(0);
    const next = LINES.findIndex((l, i) => i > from && /^ {0,2}\S/.test(l));
    if (next >= 0) to = next;
  }
  const found = LINES.map((l, i) => [l, i] as const).filter(
    ([l, i]) => i >= from && i < to && (section !== null || indent(l) === 0) && l.trimStart().startsWith(start),
  );
  expect(
    found.map(([l]) => l),
    `lines starting with '${start}'`,
  ).toHaveLength(1);
  return found[0]![1];
}

/** The comment lines directly above line `i`, up to code or another commented-out setting. */
function docAbove(i: number): string {
  const doc: string[] = [];
  for (let j = i - 1; j >= 0 && isComment(LINES[j]!) && !isCommentedKey(LINES[j]!); j--) doc.unshift(LINES[j]!.trim().replace(/^#\s?/, ''));
  return doc.join(' ');
}

/** The index after line `i` and the more indented lines of its value (a block list, a mapping, a folded string). */
function valueEnd(i: number): number {
  let end = i + 1;
  while (end < LINES.length && LINES[end]!.trim() !== '' && indent(LINES[end]!) > indent(LINES[i]!)) end++;
  return end;
}

/** The example without line `i` and its value. */
const without = (i: number): string => [...LINES.slice(0, i), ...LINES.slice(valueEnd(i))].join('\n');

describe('the example agor.yaml that agor init writes', () => {
  it('loads as written from a fresh directory, with sh the only program on PATH', () => {
    vi.stubEnv('PATH', pathWith(['sh']));
    const c = load();
    expect(c.group).toBe('demo');
    expect(c.maxConcurrent).toBe(8);
    expect(c.agents.map((a) => [a.id, a.role, a.mode, a.wake.strategy])).toEqual([
      ['manager', 'manager', 'on-demand', 'on-demand'],
      ['worker', 'project', 'service', 'on-demand'],
    ]);
    expect(c.agents.map((a) => a.cwd)).toEqual([dir, dir]);
  });

  it('gives the worker the restart policy, stall bound and lack of timeout its comments describe', () => {
    const w = agent(load(), 'worker');
    expect(w.restart).toEqual({ maxRetries: 5, backoffMs: 1000, backoffCapMs: 30_000, stableAfterMs: 300_000 });
    expect(w.stallAfterMs).toBe(15 * 60_000);
    expect(w.onStall).toBe('none');
    expect(w.timeoutMs).toBeNull();
    expect(w.stopGraceMs).toBe(10_000);
  });

  it('hands the manager its standing prompt in $AGOR_PROMPT, with runs of at most 30 minutes', () => {
    const m = agent(load(), 'manager');
    expect(m.promptVia).toBe('env');
    expect(m.prompt).toBe('You manage the demo team. Read your messages with btmsg inbox, keep the board with bttask, and ask admin when you are stuck.');
    expect(m.timeoutMs).toBe(30 * 60_000);
  });

  it('wakes the manager at 09:00 UTC on weekdays for a run of at most 20 minutes', () => {
    const [s, ...rest] = agent(load(), 'manager').schedules;
    expect(rest).toEqual([]);
    expect(s).toEqual({ cron: '0 9 * * 1-5', tz: 'UTC', prompt: 'Morning round. Check the board and plan the day.', timeoutMs: 20 * 60_000 });
    // From a Friday noon, the next rounds are Monday and Tuesday at nine.
    const next = CronExpressionParser.parse(s!.cron, { tz: s!.tz, currentDate: new Date('2026-11-20T12:00:00Z') });
    expect([next.next().toISOString(), next.next().toISOString()]).toEqual(['2026-11-23T09:00:00.000Z', '2026-11-24T09:00:00.000Z']);
  });

  it('mentions every key the parser accepts, each at its own level', () => {
    const at = (prefix: string, key: string) => new RegExp(`^${prefix}(# )?${key}:`, 'm').test(EXAMPLE_CONFIG);
    const missing = [
      ...KEYS.top.filter((k) => !at('', k)),
      ...KEYS.agent.filter((k) => !at(' {4}', k)).map((k) => `agents.*.${k}`),
      ...KEYS.restart.filter((k) => !at(' {6}', k)).map((k) => `restart.${k}`),
      ...KEYS.wake.filter((k) => !at(' {6}', k)).map((k) => `wake.${k}`),
      ...sandboxKeys()
        .filter((k) => !at(' {6}', k))
        .map((k) => `sandbox.${k}`),
      // The limits are one commented-out line, a flow mapping.
      ...limitKeys()
        .filter((k) => !new RegExp(`^ {4}# limits: \\{.*\\b${k}: `, 'm').test(EXAMPLE_CONFIG))
        .map((k) => `limits.${k}`),
      ...KEYS.schedule.filter((k) => !at('( {6}- | {8})', k)).map((k) => `schedules[].${k}`),
    ];
    expect(missing).toEqual([]);
  });

  const manager = (c: GroupConfig) => agent(c, 'manager');
  const worker = (c: GroupConfig) => agent(c, 'worker');
  const sandbox = (c: GroupConfig) => withSandbox(worker(c)).sandbox;
  // The parser refuses a "wake:" whose every setting is commented out, so the default
  // strategy is what is left when the whole "wake:" goes; see the last column.
  it.each<[key: string, section: string | null, line: string, documented: string, read: (c: GroupConfig) => unknown, value: unknown, remove?: string]>([
    ['max_concurrent', null, 'max_concurrent: 8', 'default 8', (c) => c.maxConcurrent, 8],
    ['name', 'manager', 'name: Manager', 'default: the id', (c) => manager(c).name, 'manager'],
    ['role', 'manager', 'role: manager', 'default project', (c) => manager(c).role, 'project'],
    ['prompt_via', 'manager', 'prompt_via: env', 'else env', (c) => manager(c).promptVia, 'env'],
    ['prompt', 'manager', 'prompt: >-', 'default none', (c) => manager(c).prompt, null],
    ['mode', 'manager', 'mode: on-demand', 'default service', (c) => manager(c).mode, 'service'],
    ['timeout of an on-demand agent', 'manager', '# timeout: 30m', 'default 30m for on-demand agents', (c) => manager(c).timeoutMs, 30 * 60_000],
    ['timeout of a service agent', 'worker', '# timeout: 8h', 'runs until it is stopped unless a timeout is set', (c) => worker(c).timeoutMs, null],
    ['schedules[].tz', 'manager', 'tz: UTC', "default the machine's zone", (c) => manager(c).schedules[0]!.tz, Intl.DateTimeFormat().resolvedOptions().timeZone],
    [
      'schedules[].prompt',
      'manager',
      'prompt: Morning round',
      'default "Scheduled run (<cron> <tz>).")',
      (c) => manager(c).schedules[0]!.prompt,
      'Scheduled run (0 9 * * 1-5 UTC).',
    ],
    ['schedules[].timeout', 'manager', 'timeout: 20m', "default the agent's timeout when set, else 25m", (c) => manager(c).schedules[0]!.timeoutMs, 25 * 60_000],
    ['wake.strategy', 'manager', 'strategy: on-demand', 'default on-demand', (c) => manager(c).wake.strategy, 'on-demand', 'wake:'],
    ['wake.threshold', 'manager', '# threshold: 0.5', 'default 0.5', (c) => manager(c).wake.threshold, 0.5],
    ['cwd', 'worker', '# cwd: .', "relative to this file's directory (default that directory)", (c) => relative(dir, worker(c).cwd), ''],
    ['env', 'worker', '# env:', 'default none', (c) => worker(c).env, {}],
    ['model', 'worker', '# model:', 'default none', (c) => worker(c).model, null],
    ['contacts', 'worker', '# contacts:', 'default none', (c) => worker(c).contacts, []],
    ['restart.max_retries', 'worker', 'max_retries: 5', 'default 5', (c) => worker(c).restart.maxRetries, 5],
    ['restart.backoff', 'worker', 'backoff: 1s', 'default 1s', (c) => worker(c).restart.backoffMs, 1000],
    ['restart.backoff_cap', 'worker', 'backoff_cap: 30s', 'default 30s', (c) => worker(c).restart.backoffCapMs, 30_000],
    ['restart.stable_after', 'worker', 'stable_after: 5m', 'default 5m', (c) => worker(c).restart.stableAfterMs, 5 * 60_000],
    ['stall_after', 'worker', 'stall_after: 15m', 'default 15m', (c) => worker(c).stallAfterMs, 15 * 60_000],
    ['on_stall', 'worker', 'on_stall: none', 'default none', (c) => worker(c).onStall, 'none'],
    ['stop_grace', 'worker', '# stop_grace: 10s', 'default 10s', (c) => worker(c).stopGraceMs, 10_000],
    ['sandbox.mode', 'worker', 'mode: best-effort', 'default best-effort', (c) => sandbox(c).mode, 'best-effort'],
    ['sandbox.read', 'worker', 'read: []', 'default none', (c) => sandbox(c).read, []],
    ['sandbox.write', 'worker', 'write: []', 'default none', (c) => sandbox(c).write, []],
    ['sandbox.network', 'worker', 'network: all', 'default all', (c) => sandbox(c).network, null],
    ['sandbox.unix_sockets', 'worker', 'unix_sockets: deny', 'default deny', (c) => sandbox(c).unixSockets, 'deny'],
    ['limits', 'worker', '# limits:', 'none by default', (c) => withSandbox(worker(c)).limits, NO_LIMITS],
    ['user', 'worker', '# user:', "default: agor's own user", (c) => withSandbox(worker(c)).runAs, null],
    ['secrets', 'worker', '# secrets:', 'default none', (c) => worker(c).secrets, []],
  ])('says what %s defaults to, and the parser applies that default when the line is gone', (_key, section, line, documented, read, value, remove) => {
    const i = lineIndex(section, line);
    expect(docAbove(i).toLowerCase()).toContain(documented.toLowerCase());
    expect(read(load(without(remove ? lineIndex(section, remove) : i)))).toEqual(value);
  });

  it('hands the worker the secrets of the commented-out example once un-commented, one of them renamed', () => {
    const i = lineIndex('worker', '# secrets:');
    const text = LINES.map((l, j) => (j === i ? l.replace('# ', '') : l)).join('\n');
    expect(worker(load(text)).secrets).toEqual([
      { name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' },
      { name: 'GH_TOKEN', from: 'GITHUB_TOKEN' },
    ]);
  });

  it('writes out the default sandbox: the block as written is what an agent without one gets', () => {
    const written = withSandbox(worker(load()));
    expect(written.sandbox).toEqual({ mode: 'best-effort', read: [], write: [], network: null, unixSockets: 'deny' });
    expect(withSandbox(worker(load(without(lineIndex('worker', 'sandbox:')))))).toMatchObject({ sandbox: written.sandbox, limits: NO_LIMITS, runAs: null });
    // The manager has no sandbox block at all.
    expect(withSandbox(manager(load())).sandbox).toEqual(written.sandbox);
  });

  it('takes the commented-out limits as written once un-commented', () => {
    const i = lineIndex('worker', '# limits:');
    const text = LINES.map((l, j) => (j === i ? l.replace('# ', '') : l)).join('\n');
    expect(withSandbox(worker(load(text))).limits).toEqual({ memoryBytes: 2 * 1024 ** 3, pids: 512, cpuTimeSec: 7200, openFiles: 4096 });
  });

  it('offers user: and group:, refused as written unless agor runs as root and the user exists', () => {
    const text = LINES.map((l) => (/^ {4}# (user|group): /.test(l) ? l.replace('# ', '') : l)).join('\n');
    const agent1 = /^agent1:/m.test(readFileSync('/etc/passwd', 'utf8'));
    if (process.getuid?.() === 0 && agent1) return; // this machine has the example's user
    expect(loadError(text).message).toMatch(/:\d+: agents\.worker\.user: /);
  });

  it('offers commented-out commands of real agents that take the prompt as an argument', () => {
    const alternatives = LINES.filter((l) => /^ {4}# command: \[/.test(l)).map((l) => l.replace('# ', ''));
    expect(alternatives.length).toBeGreaterThanOrEqual(2);
    const argv = (line: string) => JSON.parse(line.replace(/^ {4}command: /, '')) as string[];
    vi.stubEnv(
      'PATH',
      pathWith(
        ['sh'],
        alternatives.map((l) => argv(l)[0]!),
      ),
    );
    const commandAt = lineIndex('manager', 'command:');
    const viaLine = LINES[lineIndex('manager', 'prompt_via:')];
    for (const alt of alternatives) {
      const text = [...LINES.slice(0, commandAt), alt, ...LINES.slice(valueEnd(commandAt))].filter((l) => l !== viaLine).join('\n');
      const m = manager(load(text));
      expect(m.command).toEqual(argv(alt));
      expect(m.command).toContain('{prompt}');
      // Without prompt_via, a command with "{prompt}" gets the prompt as an argument.
      expect(m.promptVia).toBe('arg');
    }
  });

  it('has a manager command that prints why it was woken and its prompt, with sh alone', async () => {
    const { stdout, code } = await run(manager(load()).command, { AGOR_WAKE_REASON: 'schedule', AGOR_PROMPT: 'Morning round.' });
    expect(code).toBe(0);
    expect(stdout).toBe('woken: schedule\nMorning round.\n');
  });

  it('has a worker command that says it is up and keeps running until it is stopped', async () => {
    const { stdout, code, signal } = await run(worker(load()).command, {}, 500);
    expect(stdout).toBe('up\n');
    expect([code, signal]).toEqual([null, 'SIGTERM']);
  });
});

/** The sandbox fields of AgentConfig (src/sandbox/policy.ts), typed here so this file stands on its own. */
interface Contained {
  sandbox: { mode: string; read: string[]; write: string[]; network: null | { connect: number[]; bind: number[] }; unixSockets: string };
  limits: { memoryBytes: number | null; pids: number | null; cpuTimeSec: number | null; openFiles: number | null };
  runAs: unknown;
}
const withSandbox = (a: AgentConfig): Contained => a as AgentConfig & Contained;
const NO_LIMITS = { memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null };

/**
 * Runs argv in its own process group with a bare environment (PATH: sh and sleep, so
 * no btmsg; a scratch HOME and AGOR_DB), stopping the group after `stopAfterMs`.
 */
function run(argv: string[], env: Record<string, string>, stopAfterMs?: number): Promise<{ stdout: string; code: number | null; signal: NodeJS.Signals | null }> {
  const bin = pathWith(['sh', 'sleep']);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { PATH: bin, HOME: dir, AGOR_DB: join(dir, 'agor.db'), ...env },
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Already gone: the close handler reports how it ended.
    }
  };
  const timer = stopAfterMs === undefined ? undefined : setTimeout(stop, stopAfterMs);
  return new Promise((done, failed) => {
    child.on('error', failed);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ stdout, code, signal });
    });
  });
}

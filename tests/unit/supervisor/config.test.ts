import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_ALIAS_NODES, parseConfig } from '../../../src/supervisor/config.js';

const SHAPE = `group: demo
agents:
  worker:
    role: project
    command: ["sh", "-c", "echo up; sleep 1000"]
    mode: service
    restart: { max_retries: 5, backoff: 1s, backoff_cap: 30s, stable_after: 5m }
    stall_after: 15m
    timeout: 30m
`;

function error(text: string): ConfigError {
  try {
    parseConfig(text, '/tmp/agor.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('parseConfig accepted the file');
}

describe('agor.yaml', () => {
  it('accepts the documented shape with its values', () => {
    const c = parseConfig(SHAPE, '/tmp/agor.yaml');
    expect(c.group).toBe('demo');
    expect(c.agents).toHaveLength(1);
    const w = c.agents[0]!;
    expect(w).toMatchObject({
      id: 'worker',
      role: 'project',
      command: ['sh', '-c', 'echo up; sleep 1000'],
      mode: 'service',
      restart: { maxRetries: 5, backoffMs: 1000, backoffCapMs: 30_000, stableAfterMs: 300_000 },
      stallAfterMs: 900_000,
      timeoutMs: 1_800_000,
    });
  });

  it('fills the defaults of the architecture when keys are left out', () => {
    const w = parseConfig('group: g\nagents:\n  a:\n    command: [sh]\n', '/tmp/agor.yaml').agents[0]!;
    expect(w.restart).toEqual({ maxRetries: 5, backoffMs: 1000, backoffCapMs: 30_000, stableAfterMs: 300_000 });
    expect(w.stallAfterMs).toBe(900_000);
    // A service runs until stopped unless it sets a timeout; an on-demand run gets 30 min.
    expect(w.timeoutMs).toBeNull();
    expect(w.stopGraceMs).toBe(10_000);
    const d = parseConfig('group: g\nagents:\n  a:\n    command: [sh]\n    mode: on-demand\n', '/tmp/agor.yaml').agents[0]!;
    expect(d.timeoutMs).toBe(1_800_000);
  });

  it('resolves a schedule timeout from the schedule, then the agent, then 1500 s', () => {
    const text = (agentTimeout: string) => `group: g
agents:
  a:
    command: [sh]
${agentTimeout}    schedules:
      - { cron: "0 9 * * *", tz: UTC, timeout: 10m }
      - { cron: "0 10 * * *", tz: UTC }
`;
    expect(parseConfig(text(''), '/tmp/agor.yaml').agents[0]!.schedules.map((s) => s.timeoutMs)).toEqual([600_000, 1_500_000]);
    expect(parseConfig(text('    timeout: 20m\n'), '/tmp/agor.yaml').agents[0]!.schedules.map((s) => s.timeoutMs)).toEqual([600_000, 1_200_000]);
  });

  it.each([
    ['an unknown key', SHAPE.replace('    mode: service', '    mood: service'), 6, 'agents.worker.mood: unknown key'],
    ['a wrong type', SHAPE.replace('mode: service', 'mode: always'), 6, 'agents.worker.mode: must be one of service, on-demand'],
    ['a negative duration', SHAPE.replace('stall_after: 15m', 'stall_after: -5m'), 8, 'agents.worker.stall_after'],
    ['an absurd duration', SHAPE.replace('timeout: 30m', 'timeout: 400d'), 9, 'agents.worker.timeout: must be between'],
    ['a command that does not exist', SHAPE.replace('["sh"', '["no-such-program-here"'), 5, "'no-such-program-here' is not an executable"],
    ['a command given as a string', SHAPE.replace('["sh", "-c", "echo up; sleep 1000"]', '"sh -c true"'), 5, 'must be a list of arguments'],
    ['a duplicate agent id', SHAPE + '  worker:\n    command: [sh]\n', 10, 'agents.worker: is declared twice'],
    ['an unparsable cron expression', SHAPE + '    schedules:\n      - { cron: "61 * * * *", tz: UTC }\n', 11, 'agents.worker.schedules[0].cron: cannot parse'],
    ['an unknown time zone', SHAPE + '    schedules:\n      - { cron: "0 9 * * *", tz: Mars/Olympus }\n', 11, "unknown time zone 'Mars/Olympus'"],
    ['secrets given as a mapping', SHAPE + '    secrets: { tool: [GITHUB_TOKEN] }\n', 10, 'agents.worker.secrets: must be a list of secret names'],
    [
      'a name holding an escape sequence',
      SHAPE.replace('    role: project', '    name: "Bob\\e]0;pwned\\a"\n    role: project'),
      4,
      "agents.worker.name: the value 'Bob^[]0;pwned^G' contains the character ^[",
    ],
    ['broken YAML', 'group: demo\nagents:\n  worker: a: b\n', 3, 'not valid YAML'],
  ])('refuses %s, naming file, line and key', (_what, text, line, message) => {
    const e = error(text);
    expect(e.message).toContain(`/tmp/agor.yaml:${line}:`);
    expect(e.message).toContain(message);
  });

  it('refuses a file without group or agents', () => {
    expect(error('agents:\n  a:\n    command: [sh]\n').message).toContain('group: is required');
    expect(error('group: g\n').message).toContain('agents: is required');
    expect(error('').message).toContain('is empty');
  });

  it('refuses a cwd that does not exist or is not a directory, naming its line and key (exit 2)', ({ onTestFinished }) => {
    const dir = mkdtempSync(join(tmpdir(), 'agor-cwd-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'plain-file'), 'x');
    const file = join(dir, 'agor.yaml');
    const yaml = (cwd: string) => `group: g\nagents:\n  a:\n    command: [sh]\n    cwd: ${cwd}\n`;
    const at = (cwd: string) => {
      try {
        parseConfig(yaml(cwd), file);
      } catch (e) {
        if (e instanceof ConfigError) return { message: e.message, code: e.code };
        throw e;
      }
      throw new Error('parseConfig accepted the file');
    };
    expect(at('missing')).toEqual({ message: `${file}:5: agents.a.cwd: ${join(dir, 'missing')} does not exist`, code: 2 });
    expect(at('plain-file')).toEqual({ message: `${file}:5: agents.a.cwd: ${join(dir, 'plain-file')} is not a directory`, code: 2 });
    // A directory, relative to agor.yaml's own, is accepted as it was.
    expect(parseConfig(yaml('.'), file).agents[0]!.cwd).toBe(dir);
  });

  it('refuses a billion-laughs file of nested aliases at once, naming the line, instead of expanding it', () => {
    // 9 levels of 10 aliases each: about 10^9 nodes once expanded, in under 500 bytes.
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const text = `x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\ngroup: g\nagents:\n  a:\n    command: [sh]\n`;
    expect(Buffer.byteLength(text)).toBeLessThan(1024);
    const started = process.hrtime.bigint();
    const e = error(text);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
    expect(e.message).toMatch(new RegExp(`^/tmp/agor\\.yaml:\\d+: aliases expand to more than ${MAX_ALIAS_NODES} nodes`));
    expect(e.code).toBe(2);
  });

  it('still accepts a few aliases that name whole blocks', () => {
    const c = parseConfig(
      'group: g\nagents:\n  a:\n    command: &c [sh, -c, "true"]\n    restart: &r { max_retries: 2 }\n  b:\n    command: *c\n    restart: *r\n',
      '/tmp/agor.yaml',
    );
    expect(c.agents.map((a) => [a.id, a.command, a.restart.maxRetries])).toEqual([
      ['a', ['sh', '-c', 'true'], 2],
      ['b', ['sh', '-c', 'true'], 2],
    ]);
  });
});

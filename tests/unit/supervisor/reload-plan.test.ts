import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { parseConfig } from '../../../src/supervisor/config.js';
import { planLines, planReload, yamlKey } from '../../../src/supervisor/reload-plan.js';

const FILE = '/tmp/agor.yaml';

/** A group of two agents, with `extra` lines added under worker (indented four spaces) and at the top. */
function config(worker = '', top = '', other = ''): ReturnType<typeof parseConfig> {
  return parseConfig(
    `group: demo
${top}agents:
  worker:
    command: ["sh", "-c", "sleep 1000"]
${worker}  other:
    command: ["sh", "-c", "sleep 1000"]
    mode: on-demand
${other}`,
    FILE,
  );
}

const planOf = (worker: string, top = '', base = config()) => planReload(base, config(worker, top));
const entry = (p: ReturnType<typeof planReload>, agent: string) => p.agents.find((a) => a.agent === agent)!;

describe('the reload planner', () => {
  it('finds nothing to do when the file did not change', () => {
    const p = planReload(config(), config());
    expect(p.agents.every((a) => a.kind === 'unchanged')).toBe(true);
    expect([p.added, p.removed, p.restarted, p.updated, p.group_changes]).toEqual([[], [], [], [], []]);
    expect(planLines(p)).toEqual(['2 agents unchanged']);
  });

  it('adds an agent that is new in the file and removes one that is gone', () => {
    const next = parseConfig(
      `group: demo
agents:
  worker:
    command: ["sh", "-c", "sleep 1000"]
  fresh:
    command: ["sh", "-c", "sleep 1000"]
`,
      FILE,
    );
    const p = planReload(config(), next);
    expect(p.added).toEqual(['fresh']);
    expect(p.removed).toEqual(['other']);
    expect(entry(p, 'worker').kind).toBe('unchanged');
    expect(planLines(p)).toEqual(['add fresh: new in agor.yaml', 'remove other: no longer in agor.yaml', '1 agent unchanged']);
  });

  it.each([
    ['an environment variable', '    env: { FOO: bar }\n', 'env.FOO'],
    ['the working directory', '    cwd: /\n', 'cwd'],
    ['the sandbox', '    sandbox: off\n', 'sandbox.mode'],
    ['a limit', '    limits: { memory: 512M }\n', 'limits.memory_bytes'],
    ['the secrets', '    secrets: [API_KEY]\n', 'secrets'],
    ['the mode', '    mode: on-demand\n', 'mode'],
    ['the standing prompt of a service', '    prompt: be brief\n', 'prompt'],
  ])('restarts an agent when %s changed', (_what, lines, key) => {
    const p = planOf(lines);
    expect(entry(p, 'worker')).toMatchObject({ kind: 'restart' });
    expect(entry(p, 'worker').changes).toContain(key);
    expect(p.restarted).toEqual(['worker']);
    expect(entry(p, 'other').kind).toBe('unchanged');
  });

  it.each([
    ['stall_after', '    stall_after: 2m\n', 'stall_after'],
    ['on_stall', '    on_stall: restart\n', 'on_stall'],
    ['a schedule', '    schedules: [{ cron: "0 9 * * *", tz: UTC }]\n', 'schedules'],
    ['the restart policy', '    restart: { max_retries: 2 }\n', 'restart.max_retries'],
    ['the wake strategy', '    wake: { strategy: smart, threshold: 0.7 }\n', 'wake.strategy'],
    ['the timeout', '    timeout: 5m\n', 'timeout'],
    ['stop_grace', '    stop_grace: 2s\n', 'stop_grace'],
    ['its hooks', '    hooks: { run_end: ["true"] }\n', 'hooks'],
    ['its approvals', '    approvals: { required_for: [git_push] }\n', 'approvals.required_for'],
    ['its contacts', '    contacts: [other]\n', 'contacts'],
    ['its name, role and model', '    name: Worker\n    role: tester\n    model: opus\n', 'model'],
  ])('updates an agent in place when only %s changed', (_what, lines, key) => {
    const p = planOf(lines);
    expect(entry(p, 'worker').kind).toBe('update');
    expect(entry(p, 'worker').changes).toContain(key);
    expect(p.updated).toEqual(['worker']);
    expect(p.restarted).toEqual([]);
  });

  it('restarts an agent when its command changed', () => {
    const next = config();
    next.agents[0]!.command = ['sh', '-c', 'sleep 999'];
    expect(entry(planReload(config(), next), 'worker')).toMatchObject({ kind: 'restart', changes: ['command'], why: 'command changed' });
  });

  it('updates an on-demand agent in place when its standing prompt changed: its next run reads it', () => {
    const p = planReload(config(), config('', '', '    prompt: be brief\n'));
    expect(entry(p, 'other')).toMatchObject({ kind: 'update', changes: ['prompt'] });
  });

  it('restarts when a restart change comes with in-place ones, and says which is which', () => {
    const p = planOf('    env: { FOO: bar }\n    stall_after: 2m\n');
    expect(entry(p, 'worker').why).toBe('env.FOO changed; stall_after applied in place');
    expect(planLines(p)[0]).toBe('restart worker: env.FOO changed; stall_after applied in place');
  });

  it('names changed environment variables without their values', () => {
    const p = planReload(config('    env: { TOKEN: old-secret }\n'), config('    env: { TOKEN: new-secret }\n'));
    expect(JSON.stringify(p)).not.toContain('secret');
    expect(entry(p, 'worker').changes).toEqual(['env.TOKEN']);
  });

  it('applies max_concurrent, hooks and approvals of the group in place, and says otlp waits for the next agor up', () => {
    const p = planOf('', 'max_concurrent: 2\nhooks: { agent_failed: ["true"] }\notlp: { endpoint: "http://127.0.0.1:4318" }\n');
    expect(p.group_changes).toEqual([
      { key: 'hooks', effect: 'applied' },
      { key: 'max_concurrent', effect: 'applied' },
      { key: 'otlp', effect: 'next_up' },
    ]);
    expect(planLines(p)).toContain('group otlp: takes effect at the next agor up');
    expect(planLines(p)).toContain('group max_concurrent: applied in place');
  });

  it('refuses a change of group: it names another team', () => {
    const next = parseConfig(`group: other\nagents:\n  worker:\n    command: ["sh"]\n`, FILE);
    let err: unknown;
    try {
      planReload(config(), next);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe(2);
    expect((err as UserError).message).toContain("group: changed from 'demo' to 'other'");
  });

  it('restarts for a field it does not know, to be safe', () => {
    const a = config();
    const b = config();
    (b.agents[0] as unknown as Record<string, unknown>).somethingNew = 1;
    expect(entry(planReload(a, b), 'worker')).toMatchObject({ kind: 'restart', changes: ['something_new'] });
  });

  it('spells fields as agor.yaml does', () => {
    expect(['stallAfterMs', 'onStall', 'runAs', 'timeoutMs', 'promptVia', 'backoffCapMs'].map(yamlKey)).toEqual([
      'stall_after',
      'on_stall',
      'user/group',
      'timeout',
      'prompt_via',
      'backoff_cap',
    ]);
  });
});

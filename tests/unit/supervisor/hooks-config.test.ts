import { describe, expect, it } from 'vitest';
import { userError } from '../../helpers/errors.js';
import { ConfigError, type GroupConfig, parseConfig } from '../../../src/supervisor/config.js';

/** agor.yaml with group-level `hooks` lines (from line 2) and one agent `w` with extra lines. */
const yaml = (hooks: string[], agent: string[] = []) =>
  `group: g\n${hooks.map((l) => `${l}\n`).join('')}agents:\n  w:\n    command: [sh]\n${agent.map((l) => `    ${l}\n`).join('')}`;
const parse = (hooks: string[], agent: string[] = []): GroupConfig => parseConfig(yaml(hooks, agent), '/tmp/agor.yaml');
const error = (hooks: string[], agent: string[] = []): ConfigError => userError(() => parse(hooks, agent)) as ConfigError;

describe('hooks: in agor.yaml', () => {
  it('has no hooks when the key is absent or left empty', () => {
    expect(parse([]).hooks).toEqual([]);
    expect(parse(['hooks:']).hooks).toEqual([]);
    expect(parse([]).agents[0]!.hooks).toEqual([]);
  });

  it('reads an argv list, a list of argv lists and the long form, with a 30 s default timeout', () => {
    const c = parse([
      'hooks:',
      '  run_end: ["sh", "-c", "cat >> runs.jsonl"]',
      '  task_status:',
      '    - [sh]',
      '    - { command: [env], timeout: 5s, statuses: [review, done] }',
      '  stall: { command: [sh, -c, "exit 0"] }',
    ]);
    expect(c.hooks).toEqual([
      { event: 'run_end', argv: ['sh', '-c', 'cat >> runs.jsonl'], timeoutMs: 30_000, outcomes: null, statuses: null },
      { event: 'task_status', argv: ['sh'], timeoutMs: 30_000, outcomes: null, statuses: null },
      { event: 'task_status', argv: ['env'], timeoutMs: 5000, outcomes: null, statuses: ['review', 'done'] },
      { event: 'stall', argv: ['sh', '-c', 'exit 0'], timeoutMs: 30_000, outcomes: null, statuses: null },
    ]);
  });

  it("reads an agent's own hooks, with outcomes for run_end", () => {
    expect(parse([], ['hooks:', '  run_end: { command: [sh], outcomes: [failed, timeout] }']).agents[0]!.hooks).toEqual([
      { event: 'run_end', argv: ['sh'], timeoutMs: 30_000, outcomes: ['failed', 'timeout'], statuses: null },
    ]);
  });

  it('refuses an unknown event, an empty argv, a missing program, a bad timeout and a filter on the wrong event, naming line and key', () => {
    const cases: [string[], string[], RegExp][] = [
      [['hooks:', '  run_ended: [sh]'], [], /:3: hooks\.run_ended: unknown key.*/],
      [['hooks:', '  wake: []'], [], /:3: hooks\.wake: must not be empty/],
      [['hooks:', '  wake: [""]'], [], /:3: hooks\.wake: must not be empty/],
      [['hooks:', '  wake: [no-such-program-7f3a]'], [], /:3: hooks\.wake: 'no-such-program-7f3a' is not an executable/],
      [['hooks:', '  wake: { command: [sh], timeout: soon }'], [], /:3: hooks\.wake\.timeout: must be a duration/],
      [['hooks:', '  wake: { command: [sh], timeout: 0s }'], [], /:3: hooks\.wake\.timeout: must be between/],
      [['hooks:', '  wake: { command: [sh], outcomes: [failed] }'], [], /:3: hooks\.wake\.outcomes: unknown key/],
      [['hooks:', '  run_end: { command: [sh], outcomes: [exploded] }'], [], /:3: hooks\.run_end\.outcomes\[0\]: must be one of success/],
      [['hooks:', '  task_status: { timeout: 5s }'], [], /:3: hooks\.task_status\.command: is required/],
      [['hooks:', '  wake: notify-send'], [], /:3: hooks\.wake: must be a command/],
      [[], ['hooks:', '  stall: [[sh], [env, []]]'], /:6: agents\.w\.hooks\.stall\[1\]\[1\]: must be a string/],
    ];
    for (const [hooks, agent, says] of cases) expect(error(hooks, agent).message).toMatch(says);
  });
});

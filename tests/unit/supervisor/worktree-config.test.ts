import { describe, expect, it } from 'vitest';
import { userError } from '../../helpers/errors.js';
import { ConfigError, type GroupConfig, parseConfig } from '../../../src/supervisor/config.js';

/** agor.yaml in /tmp with group-level lines (from line 2) and agents w and v, w with extra lines. */
const yaml = (group: string[], agent: string[] = []) =>
  `group: g\n${group.map((l) => `${l}\n`).join('')}agents:\n  w:\n    command: [sh]\n${agent.map((l) => `    ${l}\n`).join('')}  v:\n    command: [sh]\n`;
const parse = (group: string[], agent: string[] = []): GroupConfig => parseConfig(yaml(group, agent), '/tmp/x/agor.yaml');
const error = (group: string[], agent: string[] = []): ConfigError => userError(() => parse(group, agent)) as ConfigError;

describe('worktree: in agor.yaml', () => {
  it('gives no worktree when the key is absent, false or empty', () => {
    expect(parse([]).agents[0]!.worktree).toBeNull();
    expect(parse([], ['worktree: false']).agents[0]!.worktree).toBeNull();
    expect(parse(['worktree:']).agents[0]!.worktree).toBeNull();
  });

  it('reads true as the repository of the cwd, base decided later, branch agor/{agent}', () => {
    expect(parse([], ['worktree: true']).agents[0]!.worktree).toEqual({ repo: null, base: null, branch: 'agor/w', path: null });
  });

  it("applies the group's worktree to every agent unless the agent says worktree: false", () => {
    const c = parse(['worktree: { base: main, branch: "team/{agent}", path: wt }'], ['worktree: false']);
    expect(c.agents[0]!.worktree).toBeNull();
    expect(c.agents[1]!.worktree).toEqual({ repo: null, base: 'main', branch: 'team/v', path: '/tmp/x/wt/v' });
  });

  it('resolves repo and path from the directory of agor.yaml, {agent} in a path naming the worktree itself', () => {
    expect(parse([], ['worktree: { repo: ../src, path: "/srv/trees/{agent}-tree" }']).agents[0]!.worktree).toEqual({
      repo: '/tmp/src',
      base: null,
      branch: 'agor/w',
      path: '/srv/trees/w-tree',
    });
  });

  it('refuses unknown keys, bad branch names, other placeholders and ~ paths, with file, line and key', () => {
    expect(error([], ['worktree: { bases: main }']).message).toMatch(/agents\.w\.worktree\.bases/);
    const bad = error([], ['worktree: { branch: "agor/{name}" }']);
    expect(bad.message).toMatch(/agor\.yaml:5: agents\.w\.worktree\.branch.*\{name\}/);
    expect(error([], ['worktree: { branch: "a b" }']).message).toMatch(/worktree\.branch/);
    expect(error([], ['worktree: { base: "main..x" }']).message).toMatch(/worktree\.base/);
    expect(error([], ['worktree: { path: ~/trees }']).message).toMatch(/worktree\.path.*without ~/);
    expect(error(['worktree: yes please']).message).toMatch(/worktree.*true, false or a mapping/);
  });
});

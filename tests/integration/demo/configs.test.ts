// The demo team's agor.yaml and the example configs for real agent tools parse, with the
// shape the examples promise; the standing prompts in them match examples/PROMPT.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ROOT, tempDb } from '../../helpers/cli.js';
import { type GroupConfig, commandExists, loadConfig } from '../../../src/supervisor/config.js';
import { EXAMPLES, promptPart, scratchHome, stubTools } from './helpers.js';

const words = (s: string) => s.replace(/\s+/g, ' ').trim();
const agent = (c: GroupConfig, id: string) => {
  const a = c.agents.find((x) => x.id === id);
  if (!a) throw new Error(`${c.file} has no agent ${id}`);
  return a;
};

/** The sandbox fields of AgentConfig (src/sandbox/policy.ts), typed here so this file stands on its own. */
interface Contained {
  sandbox: { mode: string; read: string[]; write: string[]; network: null | { connect: number[]; bind: number[] }; unixSockets: string };
  limits: { memoryBytes: number | null; pids: number | null; cpuTimeSec: number | null; openFiles: number | null };
  runAs: unknown;
}
const contained = (a: GroupConfig['agents'][number]): Contained => a as typeof a & Contained;

let t: ReturnType<typeof tempDb>;
beforeEach(() => {
  t = tempDb();
  vi.stubEnv('PATH', `${stubTools(t.dir)}:${process.env.PATH ?? ''}`);
  vi.stubEnv('HOME', scratchHome(t.dir));
});
afterEach(() => {
  vi.unstubAllEnvs();
  t.cleanup();
});

describe('examples/demo/agor.yaml', () => {
  test('parses: an on-demand manager with a schedule, an on-demand reviewer, three service workers', () => {
    const c = loadConfig(join(EXAMPLES, 'demo', 'agor.yaml'));
    expect(c.group).toBe('demo');
    expect(c.agents.map((a) => [a.id, a.role, a.mode])).toEqual([
      ['manager', 'manager', 'on-demand'],
      ['reviewer', 'reviewer', 'on-demand'],
      ['alice', 'project', 'service'],
      ['bob', 'project', 'service'],
      ['carol', 'project', 'service'],
    ]);
    expect(agent(c, 'manager').schedules).toHaveLength(1);
    for (const a of c.agents) {
      expect(a.command[0]).toBe('sh');
      expect(a.cwd).toBe(join(EXAMPLES, 'demo'));
      expect(readFileSync(join(a.cwd, a.command[1]!), 'utf8')).toMatch(/^#!\/bin\/sh\n/);
      expect(a.promptVia).toBe('env');
    }
    expect(agent(c, 'bob').env).toEqual({ DEMO_STALLS: 'yes' });
    expect(agent(c, 'bob').stallAfterMs).toBe(20_000);
    expect(agent(c, 'carol').env).toEqual({ DEMO_CRASHES: 'yes' });
    expect(agent(c, 'carol').restart.maxRetries).toBeGreaterThanOrEqual(10);
  });

  test("runs every agent in agor's default sandbox, with no limits and as agor's own user", () => {
    for (const a of loadConfig(join(EXAMPLES, 'demo', 'agor.yaml')).agents) {
      const { sandbox, limits, runAs } = contained(a);
      expect({ sandbox, limits, runAs }, a.id).toEqual({
        sandbox: { mode: 'best-effort', read: [], write: [], network: null, unixSockets: 'deny' },
        limits: { memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null },
        runAs: null,
      });
    }
  });

  test('parses with nothing but sh on PATH (no agent tool, no npm link needed)', () => {
    vi.stubEnv('PATH', '/usr/bin:/bin');
    expect(loadConfig(join(EXAMPLES, 'demo', 'agor.yaml')).agents).toHaveLength(5);
  });
});

describe('the example configs for real agent tools', () => {
  test.each([
    ['claude-code', 'claude-team'],
    ['codex', 'codex-team'],
  ])('%s/agor.yaml: a lead, two developers and a reviewer, each taught btmsg and bttask', (dir, group) => {
    const c = loadConfig(join(EXAMPLES, dir, 'agor.yaml'));
    expect(c.group).toBe(group);
    expect(c.agents.map((a) => [a.id, a.role, a.mode])).toEqual([
      ['lead', 'manager', 'on-demand'],
      ['dev1', 'project', 'on-demand'],
      ['dev2', 'project', 'on-demand'],
      ['reviewer', 'reviewer', 'on-demand'],
    ]);
    for (const a of c.agents) {
      // On stdin: an argument is readable by every user in /proc/PID/cmdline.
      expect(a.promptVia).toBe('stdin');
      expect(a.command.join(' ')).not.toContain('{prompt}');
      expect(words(a.prompt ?? '')).toContain(words(promptPart('prompt')));
      expect(words(a.prompt ?? '').includes(words(promptPart('manager')))).toBe(a.role === 'manager');
      expect(words(a.prompt ?? '').includes(words(promptPart('reviewer')))).toBe(a.role === 'reviewer');
      if (dir === 'claude-code') {
        expect(a.command.slice(0, 3)).toEqual(['claude', '-p', '--model']);
        expect(a.command.join(' ')).toContain('Bash(btmsg:*),Bash(bttask:*),Bash(agor report:*)');
      } else {
        expect(a.command[0]).toBe('sh');
        expect(a.command).toEqual(['sh', '-c', 'exec codex exec --skip-git-repo-check --sandbox workspace-write --add-dir "$(dirname "$AGOR_DB")" --json -']);
      }
    }
  });

  test.each([
    ['aider', 'aider-team', 'dev', 'aider-agent.sh'],
    ['ollama', 'ollama-team', 'writer', 'ollama-agent.sh'],
  ])('%s/agor.yaml: two on-demand workers run through %s', (dir, group, prefix, script) => {
    const c = loadConfig(join(EXAMPLES, dir, 'agor.yaml'));
    expect(c.group).toBe(group);
    expect(c.agents.map((a) => [a.id, a.role, a.mode])).toEqual([
      [`${prefix}1`, 'project', 'on-demand'],
      [`${prefix}2`, 'project', 'on-demand'],
    ]);
    for (const a of c.agents) {
      expect(a.command).toEqual(['sh', `./${script}`]);
      expect(a.promptVia).toBe('env');
      expect(a.prompt).toBeTruthy();
    }
    expect(readFileSync(join(EXAMPLES, dir, script), 'utf8')).toContain(
      dir === 'aider' ? 'aider --yes-always --message "$message"' : 'ollama run "$model" <"$work/prompt.txt"',
    );
  });

  test.each([
    ['claude-code', ['~/.gitconfig'], ['~/.claude', '~/.claude.json'], [443]],
    ['codex', ['~/.gitconfig'], ['~/.codex', '/dev/ptmx'], [443]],
    ['aider', ['~/.gitconfig'], ['~/.aider'], [443]],
    ['ollama', [], [], [11434]],
  ])("%s/agor.yaml: every agent gets the tool's directories and only the TCP ports it needs, in a best-effort sandbox", (dir, read, write, ports) => {
    const c = loadConfig(join(EXAMPLES, dir, 'agor.yaml'));
    // ~ is the home of the user who runs agor.
    const abs = (ps: string[]) => ps.map((p) => p.replace(/^~/, join(t.dir, 'home')));
    for (const a of c.agents) {
      expect(contained(a).sandbox, a.id).toEqual({
        mode: 'best-effort',
        read: abs(read),
        write: abs(write),
        network: { connect: ports, bind: [] },
        unixSockets: 'deny',
      });
    }
    // Each directory is named in the file's comments, with why the tool needs it.
    const text = readFileSync(join(EXAMPLES, dir, 'agor.yaml'), 'utf8');
    for (const p of [...read, ...write]) expect(text).toMatch(new RegExp(`^# +(read|write) ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `, 'm'));
  });

  test('claude-code/agor.yaml is refused without claude on PATH, naming the file, line and key', () => {
    vi.stubEnv('PATH', '/usr/bin:/bin');
    if (commandExists('claude', ROOT)) return; // this machine has Claude Code installed
    expect(() => loadConfig(join(EXAMPLES, 'claude-code', 'agor.yaml'))).toThrow(
      /claude-code\/agor\.yaml:\d+: agents\.lead\.command: 'claude' is not an executable file or on PATH/,
    );
  });
});

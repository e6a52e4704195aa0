import { describe, expect, it } from 'vitest';
import { userError } from '../../helpers/errors.js';
import { type AgentConfig, ConfigError, parseConfig } from '../../../src/supervisor/config.js';

/** agor.yaml with one agent `w` whose extra lines are `lines` (indented under it); they start at line 5. */
const yaml = (...lines: string[]) => `group: g\nagents:\n  w:\n    command: [sh]\n${lines.map((l) => `    ${l}\n`).join('')}`;

const agent = (...lines: string[]): AgentConfig => parseConfig(yaml(...lines), '/tmp/agor.yaml').agents[0]!;

/** The ConfigError agor.yaml with these lines is refused with. */
const error = (...lines: string[]): ConfigError => userError(() => agent(...lines)) as ConfigError;

describe('secrets: in agor.yaml', () => {
  it('gives an agent no secrets when the key is absent or left empty', () => {
    expect(agent().secrets).toEqual([]);
    expect(agent('secrets:').secrets).toEqual([]);
    expect(agent('secrets: []').secrets).toEqual([]);
  });

  it('reads a list of names, each the variable of the run and the keyring name both', () => {
    expect(agent('secrets: [GITHUB_TOKEN, ANTHROPIC_API_KEY, _X9]').secrets).toEqual([
      { name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' },
      { name: 'ANTHROPIC_API_KEY', from: 'ANTHROPIC_API_KEY' },
      { name: '_X9', from: '_X9' },
    ]);
  });

  it('renames with { name, from }, and lets two variables come from one keyring name', () => {
    expect(agent('secrets:', '  - GITHUB_TOKEN', '  - { name: GH, from: GITHUB_TOKEN }', '  - name: NPM_TOKEN').secrets).toEqual([
      { name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' },
      { name: 'GH', from: 'GITHUB_TOKEN' },
      { name: 'NPM_TOKEN', from: 'NPM_TOKEN' },
    ]);
  });

  it('accepts names of up to 128 characters and refuses longer ones', () => {
    const long = 'A'.repeat(128);
    expect(agent(`secrets: [${long}]`).secrets).toEqual([{ name: long, from: long }]);
    expect(error(`secrets: [${long}B]`).message).toContain('is not a valid secret name');
  });

  it.each([
    ['a mapping instead of a list', ['secrets: { tool: [GITHUB_TOKEN] }'], 5, 'agents.w.secrets: must be a list of secret names'],
    ['a single name instead of a list', ['secrets: GITHUB_TOKEN'], 5, 'agents.w.secrets: must be a list of secret names'],
    ['a lower-case name', ['secrets: [github_token]'], 5, "agents.w.secrets[0]: 'github_token' is not a valid secret name"],
    ['a name starting with a digit', ['secrets: [1PASSWORD]'], 5, "agents.w.secrets[0]: '1PASSWORD' is not a valid secret name"],
    ['a name with a dash', ['secrets:', '  - GH-TOKEN'], 6, "agents.w.secrets[0]: 'GH-TOKEN' is not a valid secret name"],
    ['a number', ['secrets: [42]'], 5, 'agents.w.secrets[0]: must be a secret name (got 42)'],
    ['a nested list', ['secrets: [[A]]'], 5, 'agents.w.secrets[0]: must be a secret name'],
    ['a bad from', ['secrets:', '  - { name: GH, from: gh.token }'], 6, "agents.w.secrets[0].from: 'gh.token' is not a valid secret name"],
    ['a rename without a name', ['secrets:', '  - { from: GITHUB_TOKEN }'], 6, 'agents.w.secrets[0].name: is required'],
    ['an unknown key in a rename', ['secrets:', '  - { name: GH, form: GITHUB_TOKEN }'], 6, 'agents.w.secrets[0].form: unknown key'],
    [
      'the same variable twice',
      ['secrets:', '  - GH', '  - { name: GH, from: GITHUB_TOKEN }'],
      7,
      'agents.w.secrets[1]: GH is named twice (first at agents.w.secrets[0])',
    ],
    ['an AGOR_ variable', ['secrets: [AGOR_DB]'], 5, 'agents.w.secrets[0]: AGOR_DB is a variable agor sets itself'],
    ['BTMSG_AGENT_ID', ['secrets: [BTMSG_AGENT_ID]'], 5, 'agents.w.secrets[0]: BTMSG_AGENT_ID is a variable agor sets itself'],
    ['TMPDIR', ['secrets: [TMPDIR]'], 5, 'TMPDIR is a variable agor sets itself'],
    ['HOME', ['secrets: [HOME]'], 5, 'HOME is a variable agor sets itself'],
    ['PATH, renamed from another item', ['secrets:', '  - { name: PATH, from: MY_PATH }'], 6, 'agents.w.secrets[0]: PATH is a variable agor sets itself'],
    ['the session bus address', ['secrets: [DBUS_SESSION_BUS_ADDRESS]'], 5, 'DBUS_SESSION_BUS_ADDRESS is a variable agor sets itself (or keeps from agents)'],
    ['a variable env: sets too', ['env: { GITHUB_TOKEN: plain }', 'secrets: [GITHUB_TOKEN]'], 6, 'agents.w.secrets[0]: GITHUB_TOKEN is also set by env:'],
  ])('refuses %s, naming file, line and key (exit 2)', (_what, lines, line, message) => {
    const e = error(...lines);
    expect(e.message).toContain(`/tmp/agor.yaml:${line}:`);
    expect(e.message).toContain(message);
    expect(e.code).toBe(2);
  });

  it('suggests the upper-case spelling of a lower-case name', () => {
    expect(error('secrets: [github_token]').hint).toContain('such as GITHUB_TOKEN');
  });

  it('suggests a rename for a name agor keeps for itself', () => {
    expect(error('secrets: [HOME]').hint).toBe('give it another name in the run: { name: OTHER, from: HOME }');
  });
});

describe('env: in agor.yaml', () => {
  it('refuses to hand an agent the way to the session bus and the keyring', () => {
    const e = error("env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }");
    expect(e.message).toBe('/tmp/agor.yaml:5: agents.w.env.DBUS_SESSION_BUS_ADDRESS: is kept from every agent (it leads to the keyring)');
  });
});

import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../../src/supervisor/config.js';
import { agentInvocation } from '../../../src/supervisor/spawn.js';

const SANDBOX: AgentConfig['sandbox'] = { mode: 'best-effort', read: [], write: [], network: null, unixSockets: 'deny' };
const agent = (o: Partial<AgentConfig>): AgentConfig =>
  ({ id: 'w1', command: ['claude', '-p', '{prompt}'], promptVia: 'arg', env: {}, sandbox: SANDBOX, ...o }) as AgentConfig;
const run = { AGOR_DB: '/tmp/x.db', AGOR_GROUP: 'g', AGOR_RUN_ID: 'r1', AGOR_WAKE_REASON: 'message' };

describe('the invocation of one run', () => {
  it('puts the prompt in place of {prompt} when it goes as an argument', () => {
    const { argv, env } = agentInvocation(agent({}), 'do the thing', run, {});
    expect(argv).toEqual(['claude', '-p', 'do the thing']);
    expect(env.AGOR_PROMPT).toBeUndefined();
  });

  it('puts the prompt in AGOR_PROMPT when it goes by the environment, and leaves the argv alone', () => {
    const { argv, env } = agentInvocation(agent({ command: ['agent.sh'], promptVia: 'env' }), 'hello', run, {});
    expect(argv).toEqual(['agent.sh']);
    expect(env.AGOR_PROMPT).toBe('hello');
  });

  it("passes the supervisor's environment on, without its own AGOR_* and agent id", () => {
    const parent = { PATH: '/usr/bin', HOME: '/home/op', AGOR_DB: '/elsewhere.db', AGOR_CLOCK: 'x', BTMSG_AGENT_ID: 'admin' };
    const { env } = agentInvocation(agent({}), 'p', run, parent);
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/op', ...run, BTMSG_AGENT_ID: 'w1', AGOR_AGENT: 'w1' });
  });

  it("lets the agent's env set its own variables but never who it is or which run this is", () => {
    const { env } = agentInvocation(agent({ env: { MODEL: 'm', BTMSG_AGENT_ID: 'admin', AGOR_RUN_ID: 'forged', PATH: '/opt/bin' } }), 'p', run, {
      PATH: '/usr/bin',
    });
    expect(env).toMatchObject({ MODEL: 'm', PATH: '/opt/bin', BTMSG_AGENT_ID: 'w1', AGOR_AGENT: 'w1', AGOR_RUN_ID: 'r1' });
  });

  const BUS = {
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus',
    DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/dbus/system_bus_socket',
    DBUS_STARTER_ADDRESS: 'unix:path=/run/user/1000/bus',
    DBUS_STARTER_BUS_TYPE: 'session',
    GNOME_KEYRING_CONTROL: '/run/user/1000/keyring',
    GNOME_KEYRING_PID: '4242',
  };

  it('keeps the D-Bus buses and the keyring from the agent, and XDG_RUNTIME_DIR as it is', () => {
    const { env } = agentInvocation(agent({}), 'p', run, { PATH: '/usr/bin', XDG_RUNTIME_DIR: '/run/user/1000', ...BUS });
    for (const name of Object.keys(BUS)) expect(env, name).not.toHaveProperty(name);
    expect(env.XDG_RUNTIME_DIR).toBe('/run/user/1000');
  });

  it('passes SSH_AUTH_SOCK only to an agent that may open Unix sockets', () => {
    const parent = { SSH_AUTH_SOCK: '/run/user/1000/keyring/ssh' };
    expect(agentInvocation(agent({}), 'p', run, parent).env).not.toHaveProperty('SSH_AUTH_SOCK');
    const allow = agent({ sandbox: { ...SANDBOX, unixSockets: 'allow' } });
    expect(agentInvocation(allow, 'p', run, parent).env.SSH_AUTH_SOCK).toBe(parent.SSH_AUTH_SOCK);
    const off = agent({ sandbox: { ...SANDBOX, mode: 'off' } });
    expect(agentInvocation(off, 'p', run, parent).env.SSH_AUTH_SOCK).toBe(parent.SSH_AUTH_SOCK);
  });

  it('puts the secrets in the environment under their names, and never in the argv', () => {
    const secrets = { GH: 'ghp_secretvalue123', NPM_TOKEN: 'npm-value-456' };
    const { argv, env } = agentInvocation(agent({}), 'p', run, { GH: 'from-the-shell' }, secrets);
    expect(env).toMatchObject(secrets);
    expect(argv.join(' ')).not.toContain('secretvalue');
  });

  it('lets no secret change who the agent is or which run this is', () => {
    const { env } = agentInvocation(agent({}), 'p', run, {}, { BTMSG_AGENT_ID: 'admin', AGOR_RUN_ID: 'forged' });
    expect(env).toMatchObject({ BTMSG_AGENT_ID: 'w1', AGOR_RUN_ID: 'r1' });
  });
});

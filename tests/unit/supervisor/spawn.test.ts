import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../../src/supervisor/config.js';
import { agentInvocation } from '../../../src/supervisor/spawn.js';

const agent = (o: Partial<AgentConfig>): AgentConfig => ({ id: 'w1', command: ['claude', '-p', '{prompt}'], promptVia: 'arg', env: {}, ...o }) as AgentConfig;
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
});

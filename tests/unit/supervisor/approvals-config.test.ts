import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/supervisor/config.js';
import { userError } from '../../helpers/errors.js';

const agents = 'agents:\n  a:\n    command: [sh]\n  b:\n    command: [sh]\n    approvals:\n      auto_approve: ["git push origin feature/*"]\n';

/** The message parseConfig refuses `text` with (a ConfigError: file, line and key). */
function error(text: string): string {
  const e = userError(() => parseConfig(text, '/tmp/agor.yaml'));
  expect(e).toBeInstanceOf(ConfigError);
  return e.message;
}

describe('approvals: in agor.yaml', () => {
  it('gives each agent the group policy, its own keys replacing the group’s one by one', () => {
    const c = parseConfig(`group: g\napprovals:\n  required_for: ["rm -rf *", "git push*"]\n  timeout: 5m\n${agents}`, '/tmp/agor.yaml');
    expect(c.approvals).toEqual({ requiredFor: ['rm -rf *', 'git push*'], autoApprove: null, timeoutMs: 300_000 });
    expect(c.agents[0]!.approvals).toEqual(c.approvals);
    expect(c.agents[1]!.approvals).toEqual({ requiredFor: ['rm -rf *', 'git push*'], autoApprove: ['git push origin feature/*'], timeoutMs: 300_000 });
  });

  it('is no policy at all when absent, and a single string is a list of one', () => {
    expect(parseConfig('group: g\nagents:\n  a:\n    command: [sh]\n', '/tmp/agor.yaml').agents[0]!.approvals).toEqual({
      requiredFor: null,
      autoApprove: null,
      timeoutMs: null,
    });
    expect(parseConfig(`group: g\napprovals: { required_for: "npm publish*" }\n${agents}`, '/tmp/agor.yaml').approvals.requiredFor).toEqual(['npm publish*']);
  });

  it.each([
    ['approvals:\n  required: ["x"]\n', /agor\.yaml:3: approvals\.required: unknown key/],
    ['approvals:\n  required_for: [""]\n', /agor\.yaml:3: approvals\.required_for\[0\]: must be a non-empty pattern string/],
    ['approvals:\n  auto_approve: { a: 1 }\n', /agor\.yaml:3: approvals\.auto_approve: must be a list of action patterns/],
    ['approvals:\n  timeout: 2d\n', /agor\.yaml:3: approvals\.timeout: must be between 1s and 1d/],
    ['approvals: yes\n', /agor\.yaml:2: approvals: must be a mapping/],
  ])('refuses %j with file, line and key', (block, message) => {
    expect(error(`group: g\n${block}${agents}`)).toMatch(message);
  });
});

import { describe, expect, it } from 'vitest';
import { EXIT, group } from './fixture.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const AGENT = 'group: g\nagents:\n  w:\n    command: ["sh"]\n';

/** Lines under agent w (from line 5) that must be refused, the line at fault, its key, and what the message says. */
const BAD: [what: string, lines: string, line: number, key: string, says: RegExp][] = [
  ['an unknown sandbox mode', '    sandbox:\n      mode: strict\n', 6, 'agents.w.sandbox.mode', /must be one of required, best-effort, off/],
  ['a port out of range', '    sandbox:\n      network: { connect: [443, 70000] }\n', 6, 'agents.w.sandbox.network.connect[1]', /from 1 to 65535/],
  ['port 0', '    sandbox:\n      network:\n        bind: [0]\n', 7, 'agents.w.sandbox.network.bind[0]', /from 1 to 65535/],
  ['a relative path that escapes the cwd confusingly', '    sandbox:\n      write: [a/../../b]\n', 6, 'agents.w.sandbox.write[0]', /not written plainly/],
  ['write: [~]', '    sandbox:\n      write: [~]\n', 6, 'agents.w.sandbox.write[0]', /is your home directory/],
  ['read: [/]', '    sandbox: { read: [/] }\n', 5, 'agents.w.sandbox.read[0]', /is the root directory/],
  ['a memory limit of 0', '    limits:\n      memory: 0\n', 6, 'agents.w.limits.memory', /must be more than 0/],
  ['a memory limit of -1G', '    limits:\n      memory: -1G\n', 6, 'agents.w.limits.memory', /must be more than 0/],
  ['a pids limit of 0', '    limits: { pids: 0 }\n', 5, 'agents.w.limits.pids', /must be a whole number from 1/],
  ['an unknown user', '    user: no-such-user-7f3a\n', 5, 'agents.w.user', /no user "no-such-user-7f3a"/],
];

describe.concurrent('agor up with a bad sandbox, limits or user in agor.yaml', () => {
  it('exits 2 naming file:line and the key, for each mistake', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    for (const [what, lines, line, key, says] of BAD) {
      const file = g.write(AGENT + lines);
      const r = await g.agor(['up', '-d', '-f', file]);
      expect({ what, code: r.code, stdout: r.stdout, stderr: r.stderr.split('\n')[0] }).toEqual({
        what,
        code: EXIT.USAGE,
        stdout: '',
        stderr: expect.stringMatching(new RegExp(`^agor: ${escape(file)}:${line}: ${escape(key)}: .*${says.source}`)),
      });
    }
  });
});

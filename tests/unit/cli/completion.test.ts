import { describe, expect, it } from 'vitest';
import { type ValueSource, complete, completionScript, defaultShell } from '../../../src/cli/completion.js';
import type { AnyVerb, CliSpec } from '../../../src/cli/run.js';

const verb = (command: string, builder?: AnyVerb['builder']): AnyVerb => ({ command, describe: '', builder, handler: () => undefined });
const spec: CliSpec = {
  name: 'x',
  describe: '',
  options: { host: { type: 'string' } },
  commands: [
    verb('send <to> <message..>', (y) => y.option('from', { type: 'string', requiresArg: true }).option('urgent', { alias: 'u', type: 'boolean' })),
    verb('status'),
    verb('channel', (y) => y.command([verb('send <name> <message..>'), verb('list')] as never)),
  ],
};
const values: ValueSource = (arg, path) => (arg === 'name' && path[0] === 'channel' ? ['general', 'ops'] : ['to', 'from'].includes(arg) ? ['alice', 'bob'] : []);
const c = (line: string) => complete(spec, line.split(' '), values);

describe('completion candidates', () => {
  it.each([
    ['s', ['send', 'status']],
    ['', ['send', 'status', 'channel']],
    ['send ', ['alice', 'bob']],
    ['send a', ['alice']],
    ['send alice ', []],
    ['send --from ', ['alice', 'bob']],
    ['send --from b', ['bob']],
    ['send --from bob ', ['alice', 'bob']],
    ['send --', ['--from', '--urgent', '--db', '--json', '--help', '--host']],
    ['send -', ['--from', '--urgent', '-u', '--db', '--json', '--help', '-h', '--host']],
    ['--db f.db s', ['send', 'status']],
    ['channel ', ['send', 'list']],
    ['channel send ', ['general', 'ops']],
    ['channel send general ', []],
    ['nosuch ', []],
  ])('after "%s" offers %j', async (line, want) => {
    expect(await c(line)).toEqual(want);
  });

  it('gives nothing rather than throwing when a value source fails', async () => {
    expect(await complete(spec, ['send', ''], () => Promise.reject(new Error('no database')))).toEqual([]);
  });
});

describe('completion scripts', () => {
  it('take the shell from $SHELL, bash when it names another', () => {
    expect(defaultShell({ SHELL: '/usr/bin/zsh' })).toBe('zsh');
    expect(defaultShell({ SHELL: '/usr/local/bin/fish' })).toBe('fish');
    expect(defaultShell({ SHELL: '/bin/dash' })).toBe('bash');
    expect(defaultShell({})).toBe('bash');
  });

  it('call the binary by name with the hidden completion word', () => {
    for (const sh of ['bash', 'zsh', 'fish'] as const) expect(completionScript('bttask', sh)).toContain('command bttask __complete');
  });
});

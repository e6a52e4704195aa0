// The no-echo prompt in a real terminal: tmux runs `agor secret set`, the test types.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ROOT, tempDb } from '../../helpers/cli.js';
import { type TestKeyring, startKeyring } from '../../helpers/keyring.js';
import { waitFor } from '../../helpers/wait.js';
import { SecretStore } from '../../../src/secrets/store.js';

const socket = `agor-secret-${process.pid}`;
const tmux = (args: string[]) => {
  const r = spawnSync('tmux', ['-L', socket, ...args], {
    encoding: 'utf8',
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: process.env.HOME ?? '/', TERM: 'xterm-256color' },
    timeout: 10_000,
  });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const screen = () => tmux(['capture-pane', '-p', '-t', 's']);

let k: TestKeyring;
let t: ReturnType<typeof tempDb>;
beforeEach(async () => {
  k = await startKeyring();
  t = tempDb();
  writeFileSync(join(t.dir, 'agor.yaml'), 'group: prompt\nagents:\n  a:\n    command: [sleep, "1"]\n');
});
afterEach(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(join('/tmp', `tmux-${process.getuid!()}`, socket), { force: true });
  k.stop();
  t.cleanup();
});

it('reads the value at a prompt that echoes nothing of what is typed, and stores what was typed', async () => {
  const env = Object.entries({ ...k.env, AGOR_DB: t.db, NO_COLOR: '1' }).map(([n, v]) => `${n}=${v}`);
  tmux([
    '-f',
    '/dev/null',
    'start-server',
    ';',
    'set-option',
    '-g',
    'remain-on-exit',
    'on',
    ';',
    'new-session',
    '-d',
    '-s',
    's',
    '-x',
    '100',
    '-y',
    '20',
    '-c',
    t.dir,
    'sh',
    '-c',
    'env "$@"; echo "[exit status $?]"',
    'sh',
    ...env,
    process.execPath,
    join(ROOT, 'dist', 'agor.cjs'),
    'secret',
    'set',
    'GITHUB_TOKEN',
  ]);
  await waitFor('the prompt', screen, (s) => s.includes('value for GITHUB_TOKEN (not shown):'));
  // A typo taken back with Backspace, as someone at a terminal would.
  tmux(['send-keys', '-t', 's', '-l', 'ghp_typed0123456789X']);
  tmux(['send-keys', '-t', 's', 'BSpace', 'Enter']);
  const done = await waitFor('the verb to exit', screen, (s) => /\[exit status \d+\]/.test(s));
  expect(done).toContain('[exit status 0]');
  expect(done).toContain('stored GITHUB_TOKEN (shared, tool)');
  expect(done).not.toContain('ghp_typed');
  for (const [n, v] of Object.entries(k.env)) process.env[n] = v;
  expect(SecretStore.open().get({ group: 'prompt', agent: null, name: 'GITHUB_TOKEN' })).toBe('ghp_typed0123456789');
});

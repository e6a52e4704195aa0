import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { parseProbe, sandboxPlan } from '../../../src/sandbox/plan.js';

const HELPER = join(ROOT, 'dist', 'agor-sandbox');
const probe = parseProbe(spawnSync(HELPER, ['--probe'], { encoding: 'utf8' }).stdout);

describe('the default sandbox plan, run by the real helper', () => {
  it.skipIf(probe.landlockAbi < 1)(
    'lets the agent run node and agor and write its cwd, TMPDIR and the data directory, and nothing of the home directory (needs Landlock)',
    ({ onTestFinished }) => {
      const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agor-plan-run-')));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const [home, cwd, tmp, data, outside] = ['home', 'home/proj', 'tmp', 'data', 'outside'].map((d) => join(dir, d)) as [string, string, string, string, string];
      for (const d of [cwd, tmp, data, outside, join(home, '.ssh')]) mkdirSync(d, { recursive: true });
      writeFileSync(join(home, '.ssh', 'id_ed25519'), 'PRIVATE KEY');
      const node = realpathSync(process.execPath);
      const plan = sandboxPlan({
        agent: {
          sandbox: { mode: 'required', read: [], write: [], network: null, unixSockets: 'deny' },
          limits: { memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null },
          runAs: null,
          cwd,
          env: {},
        },
        command: [
          'sh',
          '-c',
          [
            'try() { if eval "$1" >/dev/null 2>&1; then echo "$2 yes"; else echo "$2 no"; fi; }',
            'try "echo x > in-cwd" cwd',
            'try "echo x > \\"$TMPDIR/t\\"" tmpdir',
            'try "echo x > \\"$DATA/agor.db-wal\\"" data',
            'try "echo x > \\"$OUTSIDE/f\\"" outside',
            'try "cat \\"$HOME_DIR/.ssh/id_ed25519\\"" ssh-key',
            'try "\\"$NODE\\" -e 0" node',
            'try "\\"$NODE\\" \\"$AGOR\\" --version" agor',
          ].join('\n'),
        ],
        probe,
        helper: HELPER,
        paths: { tmpdir: tmp, dataDir: data, nodeBin: node, agorRoot: realpathSync(ROOT), home },
        cgroup: { dirs: [], memory: false, pids: false },
      });
      expect(plan.refusal).toBeNull();
      const r = spawnSync(plan.argv[0]!, plan.argv.slice(1), {
        cwd,
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH, ...plan.env, DATA: data, OUTSIDE: outside, HOME_DIR: home, NODE: node, AGOR: join(ROOT, 'dist', 'agor.cjs') },
      });
      expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout.trim().split('\n')).toEqual(['cwd yes', 'tmpdir yes', 'data yes', 'outside no', 'ssh-key no', 'node yes', 'agor yes']);
      expect(readFileSync(join(cwd, 'in-cwd'), 'utf8')).toBe('x\n');
    },
  );
});

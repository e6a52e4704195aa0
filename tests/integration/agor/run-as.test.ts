import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGOR, EXIT } from './fixture.js';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const root = process.geteuid?.() === 0;
const NOBODY = 65534;

/** `agor ARGS` run as nobody (uid and gid 65534, no supplementary groups). */
function agorAsNobody(args: string[], home: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1' };
  delete env.AGOR_DB;
  const r = spawnSync(SETPRIV!, [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, AGOR, ...args], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('user: and group: in agor.yaml when agor does not run as root', () => {
  it.skipIf(!root || !SETPRIV)(
    'refuses the file naming file, line and key, exits 2, and creates no database (needs root to become nobody, and setpriv)',
    ({ onTestFinished }) => {
      const dir = mkdtempSync(join(tmpdir(), 'agor-run-as-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      // The tests' umask is 077: nobody must be able to read the file, and cannot write here.
      chmodSync(dir, 0o755);
      const cases = [
        ['user: nobody', 'agents.w.user'],
        ['group: nogroup', 'agents.w.group'],
      ] as const;
      for (const [line, key] of cases) {
        const file = join(dir, 'agor.yaml');
        writeFileSync(file, `group: g\nagents:\n  w:\n    command: [sh]\n    ${line}\n`);
        chmodSync(file, 0o644);
        const r = agorAsNobody(['up', '--headless', '-f', file, '--db', join(dir, 'agor.db')], dir);
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
          code: EXIT.USAGE,
          stdout: '',
          stderr: `agor: ${file}:5: ${key}: needs agor to run as root\n  hint: only root can start a process as another user: run agor up as root, or remove ${key.split('.').pop()}:\n`,
        });
      }
      expect(readdirSync(dir)).toEqual(['agor.yaml']);
    },
  );
});

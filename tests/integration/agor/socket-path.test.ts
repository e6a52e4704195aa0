import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsync } from '../../helpers/cli.js';
import { EXIT, alive, group, refused, sh, waitGone } from './fixture.js';

const UID = process.getuid?.() ?? 0;
const NOBODY = 65534;
const AS_OTHER = UID === 0 && spawnSync('setpriv', ['--version']).status === 0;

/** A database path too long for a socket beside it, and a temporary directory of its own for the test. */
function longSetup(g: { dir: string }, onTestFinished: (fn: () => void) => void) {
  const dir = join(g.dir, 'x'.repeat(80));
  mkdirSync(dir);
  const db = join(dir, 'agor.db');
  // World-writable with the sticky bit, as /tmp is, so another user can make things in it.
  const tmp = mkdtempSync(join(tmpdir(), 'agor-sock-'));
  chmodSync(tmp, 0o1777);
  onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
  const hash = createHash('sha256').update(db).digest('hex').slice(0, 16);
  const env = { TMPDIR: tmp, XDG_RUNTIME_DIR: undefined };
  const agor = (args: string[]) => runAsync('agor', [...args, '--db', db], { env, timeout: 30_000 });
  return { db, tmp, hash, agor, privateDir: join(tmp, `agor-${UID}`) };
}

const asNobody = (argv: string[]) => {
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
};

describe.concurrent('the control socket of a database with a long path', () => {
  it.skipIf(!AS_OTHER)('goes to a private directory, so a name another user took in /tmp does not stop agor up', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const s = longSetup(g, onTestFinished);
    // Where earlier versions put the socket, taken first by another user.
    asNobody(['touch', join(s.tmp, `agor-${s.hash}.sock`)]);
    const up = await s.agor(['up', '-d', '-f', g.file, '--json']);
    expect(up.code, up.stderr).toBe(0);
    const socket = JSON.parse(up.stdout).socket as string;
    expect(socket).toBe(join(s.privateDir, `${s.hash}.sock`));
    const st = statSync(s.privateDir);
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: UID, mode: 0o700 });
    const ps = await s.agor(['ps', '--json']);
    expect(JSON.parse(ps.stdout)).toMatchObject([{ id: 'w', state: 'running', supervised: true }]);
    expect((await s.agor(['down'])).code).toBe(0);
  });

  it.skipIf(!AS_OTHER)('refuses, naming the directory and its owner, when another user made the private directory first', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const s = longSetup(g, onTestFinished);
    asNobody(['mkdir', '-m', '0777', s.privateDir]);
    const up = await s.agor(['up', '-d', '-f', g.file]);
    refused(up, EXIT.FAILURE, new RegExp(`${s.privateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} belongs to uid ${NOBODY}, not to you \\(uid ${UID}\\)`));
    expect(up.stderr).not.toMatch(/internal error/);
    // Nothing was left holding the database.
    expect((await s.agor(['ps', '--json'])).stdout).toMatch(/"supervised": false|^\[\]/);
  });

  it('lets agor down stop the supervisor by its pid when the socket file is gone', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const s = longSetup(g, onTestFinished);
    const up = await s.agor(['up', '-d', '-f', g.file, '--json']);
    expect(up.code, up.stderr).toBe(0);
    const { pid, socket } = JSON.parse(up.stdout) as { pid: number; socket: string };
    const agentPid = JSON.parse((await s.agor(['ps', '--json'])).stdout)[0].pid as number;
    rmSync(socket);
    expect(existsSync(socket)).toBe(false);
    const down = await s.agor(['down', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toEqual({ supervisor: pid, stopped: 1 });
    expect(alive(pid)).toBe(false);
    await waitGone(agentPid, 'the agent');
    // A second down finds nothing to stop.
    expect((await s.agor(['down'])).stdout).toMatch(/no supervisor is running/);
  });
});

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, run, settle, tempDb } from '../../helpers/cli.js';
import { alive } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';

let t: ReturnType<typeof tempDb>;
let bin: string;
beforeEach(() => {
  t = tempDb();
  bin = join(t.dir, 'bin');
  mkdirSync(bin);
});
afterEach(() => t.cleanup());

function extension(name: string, body: string): void {
  writeFileSync(join(bin, `agor-${name}`), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, `agor-${name}`), 0o755);
}

const onPath = () => ({ PATH: `${bin}${delimiter}${process.env.PATH}` });

describe('agor extensions', () => {
  it('runs agor-NAME from PATH as agor NAME, with its arguments, the team in its environment, and its exit status', () => {
    extension('env', 'printf "%s|" "$@"; echo; echo "db=$AGOR_DB"; echo "group=$AGOR_GROUP"; echo "config=$AGOR_CONFIG"; echo "id=$BTMSG_AGENT_ID"; exit 7');
    writeFileSync(join(t.dir, 'agor.yaml'), 'group: night-shift\nagents:\n  a:\n    command: [sh, -c, "true"]\n');
    const r = run('agor', ['env', 'one', 'two words', '--json'], { db: t.db, cwd: t.dir, env: onPath() });
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toBe(`one|two words|--json|\ndb=${t.db}\ngroup=night-shift\nconfig=${join(t.dir, 'agor.yaml')}\nid=admin\n`);
  });

  it('resolves the default database to an absolute path and leaves the group out without an agor.yaml', () => {
    extension('env', 'echo "db=$AGOR_DB group=${AGOR_GROUP:-none}"');
    const r = run('agor', ['env'], { cwd: t.dir, env: { ...onPath(), XDG_DATA_HOME: join(t.dir, 'data'), AGOR_GROUP: undefined } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`db=${join(t.dir, 'data', 'agor', 'agor.db')} group=none\n`);
  });

  it('never shadows a built-in verb, and still refuses an unknown verb with a hint', () => {
    extension('ps', 'echo shadowed');
    const ps = run('agor', ['ps', '--json'], { db: t.db, env: onPath() });
    expect(ps.stdout).not.toContain('shadowed');
    const bad = run('agor', ['nosuch'], { db: t.db, env: onPath() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown verb 'nosuch'");
  });

  it('lists the extensions under their own heading in agor help and agor --help', () => {
    extension('hello', 'echo hi');
    extension('zap', 'echo zap');
    extension('ps', 'echo shadowed');
    for (const args of [['help'], ['--help']]) {
      const r = run('agor', args, { env: onPath() });
      expect(r.code, r.stderr).toBe(0);
      const section = r.stdout.slice(r.stdout.indexOf('Extensions'));
      expect(section).toMatch(/^Extensions \(agor-NAME programs on PATH\):\n {2}agor hello {2}\S+agor-hello\n {2}agor zap {4}\S+agor-zap\n/);
      expect(section).not.toContain('agor-ps');
    }
    // Shell completion offers them beside the verbs.
    expect(run('agor', ['__complete', 'h'], { env: onPath() }).stdout).toBe('hosts\nhello\n');
    // A verb's own help does not look at PATH.
    expect(run('agor', ['ps', '--help'], { env: onPath() }).stdout).not.toContain('Extensions');
  });

  it('passes SIGTERM on to the extension and ends as it ends', async () => {
    const pidFile = join(t.dir, 'ext.pid');
    extension('wait', `echo $$ > '${pidFile}'; trap 'echo got TERM; exit 42' TERM; while :; do sleep 0.1; done`);
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'agor.cjs'), 'wait'], { env: { ...process.env, ...onPath(), AGOR_DB: t.db } });
    const done = settle(child);
    const pid = await waitFor(
      'the extension to start',
      () => readFileSync(pidFile, { flag: 'a+' }).toString().trim() || null,
      (p) => p !== null,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.stdout).toBe('got TERM\n');
    expect(r.code).toBe(42);
    expect(alive(Number(pid))).toBe(false);
  });

  it('the example extension in examples/extensions lists the team and greets an agent through btmsg', () => {
    // btmsg by name, as an installed agor provides it.
    writeFileSync(join(bin, 'btmsg'), `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'dist', 'btmsg.cjs')}' "$@"\n`, { mode: 0o755 });
    const withBtmsg = { PATH: `${join(ROOT, 'examples', 'extensions')}${delimiter}${bin}${delimiter}${process.env.PATH}` };
    expect(run('btmsg', ['register', 'alice', 'Alice', 'project', 'g'], { db: t.db }).code).toBe(0);
    const list = run('agor', ['hello'], { db: t.db, cwd: t.dir, env: withBtmsg });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`hello, admin: team (no agor.yaml here), database ${t.db}`);
    expect(list.stdout).toContain('alice');
    const send = run('agor', ['hello', 'alice'], { db: t.db, cwd: t.dir, env: withBtmsg });
    expect(send.code, send.stderr).toBe(0);
    expect(run('btmsg', ['inbox'], { db: t.db, as: 'alice' }).stdout).toContain('hello from admin');
  });
});

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGOR, AGOR_SH, BTMSG_SH, BTTASK, alive, group, sh, waitFor } from '../agor/fixture.js';
import { run as cli } from '../../helpers/cli.js';
import { detectCgroups } from '../../../src/sandbox/cgroup.js';
import { dbScope } from '../../../src/supervisor/contain.js';

const IS_ROOT = process.getuid?.() === 0;

/** A temporary directory outside the group's, removed when the test ends. */
function outside(onTestFinished: (fn: () => void) => void, name: string): string {
  const d = mkdtempSync(join(tmpdir(), `agor-${name}-`));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const procStatus = (pid: number): string => readFileSync(`/proc/${pid}/status`, 'utf8');

/** Live `sleep ARG` processes, by their argv. */
function sleepers(arg: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0]!.endsWith('sleep') && argv[1] === arg && alive(pid) && !procStatus(pid).match(/^State:\s+Z/m);
      } catch {
        return false;
      }
    });
}
const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
const lines = (path: string): string[] => {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** A loopback TCP server on a free port, closed when the test ends. */
async function listener(onTestFinished: (fn: () => void) => void): Promise<number> {
  const srv: Server = createServer((c) => c.on('error', () => undefined).end('hi\n'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onTestFinished(() => void srv.close());
  return (srv.address() as { port: number }).port;
}

const CONNECT = (port: number, tag: string) =>
  `"$T_NODE" -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>{console.log('${tag}:yes');process.exit(0)}).on('error',()=>{console.log('${tag}:no');process.exit(0)})" >> r`;

describe.concurrent('a sandboxed agent', () => {
  it('cannot write outside, read a key outside or reach the control socket; btmsg, bttask and agor report still work inside; nothing it started survives agor stop', async ({
    onTestFinished,
  }) => {
    const home = outside(onTestFinished, 'home');
    const elsewhere = outside(onTestFinished, 'elsewhere');
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'id_ed25519'), 'PRIVATE KEY FOR THE TEST\n');
    const g = group(onTestFinished);
    const mark = `9${String(process.pid).slice(-4)}1`;
    g.write({
      agents: {
        prober: {
          command: sh(
            [
              `touch "${elsewhere}/escaped" 2>/dev/null && echo W:yes >> r || echo W:no >> r`,
              `cat "$HOME/.ssh/id_ed25519" >/dev/null 2>&1 && echo R:yes >> r || echo R:no >> r`,
              `"$T_NODE" -e "require('net').connect('${g.socket}').on('connect',()=>{console.log('S:yes');process.exit(0)}).on('error',()=>{console.log('S:no');process.exit(0)})" >> r`,
              `${BTMSG_SH} send admin "hello from inside" && echo M:yes >> r || echo M:no >> r`,
              `${BTMSG_SH} inbox --json > inbox.json && echo I:yes >> r || echo I:no >> r`,
              `"$T_NODE" "$T_BTTASK" claim --json > claim.json && echo C:yes >> r || echo C:no >> r`,
              `${AGOR_SH} report --outcome partial --evidence "half done" && echo P:yes >> r || echo P:no >> r`,
              `echo T:$TMPDIR >> r`,
              'echo waiting >> r',
              `${BTMSG_SH} wait --timeout 60s > waited.json && echo A:yes >> r || echo A:no >> r`,
              `setsid sleep ${mark}1 &`,
              `sh -c 'sleep ${mark}2 &' &`,
              `(trap "" TERM; exec sleep ${mark}3) &`,
              'echo forked >> r',
              'sleep 1000',
            ].join('\n'),
          ),
          env: { T_BTTASK: BTTASK },
          stop_grace: '1s',
        },
      },
    });
    const env = { BTMSG_AGENT_ID: 'admin', AGOR_DB: g.db };
    expect(cli('bttask', ['add', 'Write the docs'], { env }).code).toBe(0);
    await g.up({ HOME: home });
    const r = join(g.dir, 'r');
    await waitFor(
      'the probes',
      () => lines(r),
      (l) => l.includes('waiting'),
      { timeout: 30_000 },
    );
    expect(cli('btmsg', ['send', 'prober', 'you may go on'], { env }).code).toBe(0);
    await waitFor(
      'the forks',
      () => lines(r),
      (l) => l.includes('forked'),
      { timeout: 30_000 },
    );
    const got = lines(r);
    expect(got).toEqual(expect.arrayContaining(['W:no', 'R:no', 'S:no', 'M:yes', 'I:yes', 'C:yes', 'P:yes', 'A:yes']));
    expect(got.find((l) => l.startsWith('T:'))).toMatch(/^T:\/.+\/tmp\/prober$/);
    expect(JSON.parse(readFileSync(join(g.dir, 'claim.json'), 'utf8'))).toMatchObject({ title: 'Write the docs' });
    expect(readFileSync(join(g.dir, 'waited.json'), 'utf8')).toContain('you may go on');

    // The agent keeps the pid agor recorded: the helper executed it in place.
    const a = await g.agent('prober');
    expect(a.pid).not.toBeNull();
    expect(cmdline(a.pid!)[0]).toBe('sh');
    expect(procStatus(a.pid!)).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(procStatus(a.pid!)).toMatch(/^Seccomp:\s+2$/m);
    const [run] = await g.runs('prober');
    expect(run!.pid).toBe(a.pid);
    expect(run!.sandbox).toMatch(/landlock abi \d/);

    const left = () => [1, 2, 3].flatMap((i) => sleepers(`${mark}${i}`));
    await waitFor('the three descendants', left, (p) => p.length === 3);
    const stop = await g.agor(['stop', 'prober']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(left()).toEqual([]);
    expect(alive(a.pid!)).toBe(false);
  });

  it('keeps its pid and its children in its cgroup across kill -9 of the supervisor; agor down then ends them all', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const mark = `8${String(process.pid).slice(-4)}1`;
    // A setsid child, a double-forked one and one that ignores SIGTERM: none is in the agent's process group.
    const tree = `setsid sleep ${mark} & sh -c 'sleep ${mark} &' & setsid sh -c 'trap "" TERM; exec sleep ${mark}' & sleep 1000`;
    g.write({ agents: { keeper: { command: sh(tree), stop_grace: '1s' } } });
    const sup = await g.up();
    const a = await g.waitAgent('keeper', 'running with its three descendants', (x) => x.pid !== null && sleepers(mark).length === 3);
    process.kill(sup.pid, 'SIGKILL');
    await waitFor(
      'the supervisor gone',
      () => alive(sup.pid),
      (x) => !x,
    );
    expect(alive(a.pid!)).toBe(true);
    await g.up();
    const b = await g.waitAgent('keeper', 're-adopted', (x) => x.pid !== null);
    expect(b.pid).toBe(a.pid);
    expect((await g.runs('keeper')).length).toBe(1);
    const down = await g.down();
    expect(down.code, down.stderr).toBe(0);
    await waitFor(
      'the setsid child gone',
      () => sleepers(mark),
      (p) => p.length === 0,
    );
    expect(alive(a.pid!)).toBe(false);
    // Nothing of the database's cgroups is left behind.
    const support = detectCgroups();
    const scopeDirs = [support.membership, support.v1.memory?.dir, support.v1.pids?.dir].filter(Boolean).map((b) => join(b!, `agor.${dbScope(g.db)}`));
    expect(scopeDirs.filter((d) => existsSync(d))).toEqual([]);
  });

  it('refuses to start under mode required what the kernel cannot do, with class sandbox and no retry; best-effort runs and records it; off runs unrestricted', async ({
    onTestFinished,
  }) => {
    const elsewhere = outside(onTestFinished, 'elsewhere');
    const g = group(onTestFinished);
    g.write({
      agents: {
        strict: { command: sh('echo ran >> strict.out; sleep 1000'), sandbox: { mode: 'required', network: 'none' } },
        lenient: {
          command: sh('echo ran >> lenient.out; exit 3'),
          restart: { backoff: '200ms', max_retries: 10 },
          sandbox: { mode: 'best-effort', network: 'none' },
        },
        open: { command: sh(`touch "${elsewhere}/open" && sleep 1000`), sandbox: 'off' },
      },
    });
    // As on a kernel older than Linux 6.7: Landlock without network rules.
    const sup = await g.up({ AGOR_SANDBOX_MAX_ABI: '3' });
    await g.waitAgent('strict', 'failed', (x) => x.state === 'failed');
    const runs = await g.runs('strict');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: 'failed', error_class: 'sandbox', pid: null });
    expect(runs[0]!.note).toMatch(/ABI 4/);
    expect(lines(join(g.dir, 'strict.out'))).toEqual([]);

    await waitFor(
      'lenient ran three times',
      () => lines(join(g.dir, 'lenient.out')),
      (l) => l.length >= 3,
    );
    const [lr] = await g.runs('lenient');
    expect(lr!.sandbox).toMatch(/landlock abi 3: fs, net all/);
    // Warned once for the agent, not once per run.
    const warned = readFileSync(sup.log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('lenient: warning: network rules need Landlock ABI 4 and the kernel has ABI 3'));
    expect(warned).toHaveLength(1);

    await waitFor('the unsandboxed agent wrote outside', () => existsSync(join(elsewhere, 'open')), Boolean);
    const [or] = await g.runs('open');
    expect(or!.sandbox).toMatch(/^off/);
  });

  it('ends a memory hog through limits.memory with class limit, counting the whole cgroup', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    g.write({
      agents: {
        hog: {
          mode: 'on-demand',
          limits: { memory: '100M' },
          restart: { max_retries: 0 },
          command: ['sh', '-c', `"$T_NODE" -e "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))"`],
        },
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'hog'])).code).toBe(0);
    const [r] = await g.waitRuns('hog', 'the hog ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 60_000);
    expect(r).toMatchObject({ outcome: 'failed', error_class: 'limit' });
    expect(r!.note).toMatch(/memory limit 100M/);
    // The node process was a child of sh: the peak is the cgroup's, not the first process's.
    expect(r!.peak_rss_kb).toBeGreaterThan(50 * 1024);
    const audit = await g.agor(['audit', '--json']);
    expect(audit.stdout).toContain('run_limit_reached');
  });

  it('holds a fork bomb at limits.pids while the supervisor keeps answering', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const mark = `7${String(process.pid).slice(-4)}1`;
    // Forks as fast as it can and shrugs off every refusal (EAGAIN), as a runaway agent would.
    const bomb = `const {spawn}=require('child_process');setInterval(()=>{for(let i=0;i<20;i++)try{spawn('sleep',['${mark}'],{stdio:'ignore'}).on('error',()=>{})}catch{}},5)`;
    g.write({ agents: { bomb: { limits: { pids: 40 }, stop_grace: '1s', command: [process.execPath, '-e', bomb] } } });
    await g.up();
    // The pids controller counts threads too: node's own take some of the 40.
    await waitFor(
      'the bomb at its limit',
      () => sleepers(mark).length,
      (n) => n >= 15,
      { timeout: 30_000 },
    );
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      await g.ps();
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(sleepers(mark).length).toBeLessThanOrEqual(40);
    }
    expect((await g.agor(['stop', 'bomb'])).code).toBe(0);
    await waitFor(
      'the bomb gone',
      () => sleepers(mark),
      (p) => p.length === 0,
    );
  });

  it('ends a busy loop at limits.cpu_time with class limit', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    g.write({ agents: { spin: { mode: 'on-demand', limits: { cpu_time: '1s' }, restart: { max_retries: 0 }, command: sh('while :; do :; done') } } });
    await g.up();
    expect((await g.agor(['wake', 'spin'])).code).toBe(0);
    const [r] = await g.waitRuns('spin', 'the loop ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 60_000);
    expect(r).toMatchObject({ outcome: 'failed', error_class: 'limit' });
    expect(r!.note).toMatch(/cpu_time/);
  });

  it('lets through only the TCP ports network.connect lists, and no bind when bind is empty', async ({ onTestFinished }) => {
    const open = await listener(onTestFinished);
    const closed = await listener(onTestFinished);
    const g = group(onTestFinished);
    g.write({
      agents: {
        net: {
          sandbox: { network: { connect: [open], bind: [] } },
          command: sh(
            [
              CONNECT(open, 'A'),
              CONNECT(closed, 'B'),
              `"$T_NODE" -e "require('net').createServer().listen(0,'127.0.0.1').on('listening',()=>{console.log('L:yes');process.exit(0)}).on('error',()=>{console.log('L:no');process.exit(0)})" >> r`,
              'echo done >> r',
              'sleep 1000',
            ].join('\n'),
          ),
        },
      },
    });
    await g.up();
    const got = await waitFor(
      'the probes',
      () => lines(join(g.dir, 'r')),
      (l) => l.includes('done'),
      { timeout: 30_000 },
    );
    expect(got).toEqual(['A:yes', 'B:no', 'L:no', 'done']);
  });

  it('does not start an agent when the sandbox helper is missing, and says how to fix it; sandbox: off still runs', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    g.write({ agents: { boxed: { command: sh('echo ran >> boxed.out; sleep 1000') }, open: { command: sh('echo ran >> open.out; sleep 1000'), sandbox: 'off' } } });
    await g.up({ AGOR_SANDBOX_HELPER: join(g.dir, 'no-such-helper') });
    await g.waitAgent('boxed', 'failed', (x) => x.state === 'failed');
    const [r] = await g.runs('boxed');
    expect(r).toMatchObject({ outcome: 'failed', error_class: 'sandbox', pid: null });
    expect(r!.note).toMatch(/agor-sandbox is missing; run npm run build/);
    expect(lines(join(g.dir, 'boxed.out'))).toEqual([]);
    await waitFor(
      'the unsandboxed one ran',
      () => lines(join(g.dir, 'open.out')),
      (l) => l.length === 1,
    );
  });

  it.skipIf(!IS_ROOT)('runs an agent as the user that user: names', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    // The agent's user must reach its cwd and the database's directory, as on a real machine.
    chmodSync(g.dir, 0o755);
    g.write({ agents: { other: { user: 'nobody', command: ['sleep', '1000'] } } });
    await g.up();
    const [r] = await g.waitRuns('other', 'a run', (rs) => rs.length > 0);
    expect(r!.note).toBeNull();
    const a = await g.waitAgent('other', 'running', (x) => x.pid !== null);
    expect(procStatus(a.pid!)).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  });
});

describe('on a machine without cgroups', () => {
  it.skipIf(!IS_ROOT)('the helper stays as the run subreaper, so a setsid child still ends with the run', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const mark = `6${String(process.pid).slice(-4)}1`;
    g.write({ agents: { lone: { command: sh(`setsid sleep ${mark} & sh -c 'sleep ${mark} &' & sleep 1000`), stop_grace: '2s' } } });
    // The supervisor in a mount namespace of its own, where /sys/fs/cgroup is an empty tmpfs.
    const up = spawnSync(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs none /sys/fs/cgroup && exec "$@"',
        'sh',
        process.execPath,
        AGOR,
        'up',
        '-d',
        '-f',
        g.file,
        '--db',
        g.db,
      ],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
    );
    expect(up.status, up.stderr).toBe(0);
    await g.waitAgent('lone', 'running with its descendants', (x) => x.pid !== null && sleepers(mark).length === 2);
    const [run] = await g.runs('lone');
    expect(run!.sandbox).toMatch(/no cgroup: the helper reaps/);
    expect((await g.agor(['stop', 'lone'])).code).toBe(0);
    await waitFor(
      'the descendants gone',
      () => sleepers(mark),
      (p) => p.length === 0,
    );
  });
});

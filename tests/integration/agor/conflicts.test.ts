import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json } from '../../helpers/cli.js';
import { EXIT, type Group, group, sh, waitFor } from './fixture.js';

interface Conflict {
  id: number;
  kind: 'overlap' | 'external' | 'merge';
  agents: string[];
  files: string[];
  status: string;
  acked_by: string | null;
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const gitIn = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });

/** A repository with one commit of shared.txt, in the group's directory. */
function repo(g: Group, name = 'repo'): string {
  const dir = join(g.dir, name);
  mkdirSync(dir);
  gitIn(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'shared.txt'), 'line one\nline two\n');
  gitIn(dir, 'add', 'shared.txt');
  gitIn(dir, 'commit', '-qm', 'init');
  return dir;
}

const conflicts = async (g: Group, all = false) => json<Conflict[]>(await g.agor(['conflicts', '--json', ...(all ? ['--all'] : [])]));
const waitConflict = (g: Group, what: string, pred: (c: Conflict) => boolean, timeout = 20_000) =>
  waitFor(
    what,
    () => conflicts(g),
    (cs) => cs.some(pred),
    { timeout, interval: 200 },
  ).then((cs) => cs.find(pred)!);

/** Claude Code's stream-json line for a Write tool call on `file`. */
const writeCall = (file: string) =>
  JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', id: 't1', name: 'Write', input: { file_path: file, content: 'x' } }] } });

const EVIL = 'evil\x1b]0;pwned\x07\nname.txt';

describe.concurrent('agor conflicts', () => {
  it('flags two agents that change one file of a shared working tree, one after the other (git view), for both, with the file name shown escaped', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    const script = (who: string) => `printf '${who}\\n' > shared.txt; printf x > "$EVIL"; echo done`;
    g.write({
      agents: {
        a: { command: sh(script('A')), cwd: dir, mode: 'on-demand', role: 'project', env: { EVIL } },
        b: { command: sh(script('B')), cwd: dir, mode: 'on-demand', role: 'project', env: { EVIL } },
      },
    });
    await g.up();
    await g.agor(['wake', 'a']);
    await g.waitRuns('a', 'one run ended', (rs) => rs.length === 1 && rs[0]!.ended_at !== null);
    const started = Date.now();
    await g.agor(['wake', 'b']);
    const c = await waitConflict(g, 'an overlap of a and b', (x) => x.kind === 'overlap' && x.files.includes('shared.txt'));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(c.agents).toEqual(['a', 'b']);
    expect(c.files).toContain(EVIL);
    expect(c.status).toBe('open');
    for (const id of ['a', 'b'])
      await g.waitAgent(id, 'attention for the file conflict', (v) => v.attention >= 70 && /file conflict/.test(v.attention_reason ?? ''));

    const shown = await g.agor(['conflicts']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toContain('\x1b');
    expect(shown.stdout).not.toContain('\x07');
    expect(shown.stdout).toContain('"evil^[]0;pwned^G\\nname.txt"');
    expect(shown.stdout).toMatch(new RegExp(`^${c.id}\\s+overlap\\s+a,b\\s`, 'm'));
  });

  it('silences an acknowledged conflict until a new write to its file re-opens it', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    g.write({
      agents: {
        a: { command: sh(`printf 'A\\n' > shared.txt`), cwd: dir, mode: 'on-demand', role: 'project' },
        b: { command: sh(`printf 'B\\n' > shared.txt`), cwd: dir, mode: 'on-demand', role: 'project' },
      },
    });
    await g.up();
    await g.agor(['wake', 'a']);
    await g.waitRuns('a', 'one run ended', (rs) => rs.length === 1 && rs[0]!.ended_at !== null);
    await g.agor(['wake', 'b']);
    const c = await waitConflict(g, 'an overlap of a and b', (x) => x.kind === 'overlap');

    const acked = await g.agor(['conflicts', 'ack', String(c.id), '--note', 'expected', '--json']);
    expect(acked.code, acked.stderr).toBe(0);
    expect(json<Conflict>(acked)).toMatchObject({ id: c.id, status: 'acked', acked_by: 'admin' });
    await g.waitAgent('a', 'attention without the conflict', (v) => !/file conflict/.test(v.attention_reason ?? ''));
    expect((await conflicts(g)).find((x) => x.id === c.id)?.status).toBe('acked');

    const unknown = await g.agor(['conflicts', 'ack', '9999']);
    expect(unknown.code).toBe(EXIT.NOT_FOUND);
    expect(unknown.stderr).toMatch(/no conflict 9999/);

    await g.agor(['wake', 'a']);
    await waitConflict(g, 'the conflict re-opened by a new write', (x) => x.id === c.id && x.status === 'open');
  });

  it('attributes changes to agents that run at once by the tool calls in their JSON logs', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    // Each says it writes, writes, and keeps running until the other has written too.
    const script = (who: string, other: string) =>
      `printf '%s\\n' "$CALL"; printf '${who}\\n' >> shared.txt; touch ${who}.mark; while [ ! -e ${other}.mark ]; do sleep 0.1; done; sleep 1`;
    g.write({
      agents: {
        a: { command: sh(script('a', 'b')), cwd: dir, mode: 'on-demand', role: 'project', env: { CALL: writeCall('shared.txt') } },
        b: { command: sh(script('b', 'a')), cwd: dir, mode: 'on-demand', role: 'project', env: { CALL: writeCall(join(dir, 'shared.txt')) } },
      },
    });
    await g.up();
    const started = Date.now();
    await Promise.all([g.agor(['wake', 'a']), g.agor(['wake', 'b'])]);
    const c = await waitConflict(g, 'an overlap of a and b on shared.txt', (x) => x.kind === 'overlap' && x.files.includes('shared.txt'));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(c.agents).toEqual(['a', 'b']);
    // The marker files were claimed by no tool call and written while both ran: nobody's, so no conflict.
    expect(c.files).toEqual(['shared.txt']);
  });

  it('flags a change made while no agent of the tree runs as external', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    g.write({ agents: { a: { command: sh('true'), cwd: dir, mode: 'on-demand', role: 'project' } } });
    await g.up();
    writeFileSync(join(dir, 'shared.txt'), 'edited by hand\n');
    const c = await waitConflict(g, 'an external write', (x) => x.kind === 'external');
    expect(c.files).toEqual(['shared.txt']);
    expect(c.agents).toEqual([]);
    const audit = json<{ type: string; detail: string }[]>(await g.agor(['audit', '--type', 'conflict', '--json']));
    expect(audit.some((e) => e.type === 'conflict')).toBe(true);
  });

  it('predicts that two worktrees changing one file differently will not merge, and leaves a worktree that changed other files out', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    for (const w of ['left', 'right', 'other']) gitIn(dir, 'worktree', 'add', '-q', '-b', `agor/${w}`, join(g.dir, w));
    g.write({
      agents: {
        left: {
          command: sh(`printf 'line one LEFT\\nline two\\n' > shared.txt; echo new > added.txt`),
          cwd: join(g.dir, 'left'),
          mode: 'on-demand',
          role: 'project',
        },
        right: {
          command: sh(`printf 'line one RIGHT\\nline two\\n' > shared.txt; git -c user.email=r@r -c user.name=r commit -qam right`),
          cwd: join(g.dir, 'right'),
          mode: 'on-demand',
          role: 'project',
        },
        other: { command: sh(`echo other > other.txt; echo new > added2.txt`), cwd: join(g.dir, 'other'), mode: 'on-demand', role: 'project' },
      },
    });
    await g.up();
    for (const a of ['left', 'right', 'other']) await g.agor(['wake', a]);
    const c = await waitConflict(g, 'a predicted merge conflict', (x) => x.kind === 'merge', 30_000);
    expect(c.agents).toEqual(['left', 'right']);
    expect(c.files).toEqual(['shared.txt']);
    expect((await conflicts(g)).filter((x) => x.agents.includes('other'))).toEqual([]);
    // Nothing of the worktrees was touched by the check.
    expect(gitIn(join(g.dir, 'left'), 'status', '--porcelain')).toMatch(/^ M shared.txt\n\?\? added.txt\n$/);
    expect(gitIn(dir, 'stash', 'list')).toBe('');

    // Someone resolves it: left takes right's line; the prediction is marked resolved.
    writeFileSync(join(g.dir, 'left', 'shared.txt'), 'line one RIGHT\nline two\n');
    await g.agor(['wake', 'other']);
    await waitFor(
      'the merge conflict resolved',
      () => conflicts(g, true),
      (cs) => cs.find((x) => x.id === c.id)?.status === 'resolved',
      {
        timeout: 30_000,
        interval: 300,
      },
    );
  });

  it("never gets in the way of an agent's own git commands while it looks at the tree", async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    // Many small commits while the tree is looked at every 1.5 s: a look that took git's index
    // lock would make one of them fail, and the run with it.
    const loop = `for i in $(seq 1 80); do echo $i > f$i.txt; git add f$i.txt && git -c user.email=c@c -c user.name=c commit -qm c$i || exit 1; done; echo all`;
    // Git reads no user config: the default sandbox does not let agents read ~/.gitconfig.
    g.write({ agents: { c: { command: sh(loop), cwd: dir, mode: 'on-demand', role: 'project', env: { GIT_CONFIG_GLOBAL: '/dev/null' } } } });
    await g.up();
    await g.agor(['wake', 'c']);
    const [run] = await g.waitRuns('c', 'its run ended', (rs) => rs.length === 1 && rs[0]!.ended_at !== null, 60_000);
    expect(run).toMatchObject({ outcome: 'success', exit_code: 0 });
    expect(gitIn(dir, 'rev-list', '--count', 'HEAD').trim()).toBe('81');
  });

  it('keeps supervising when the repository is removed under it', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const dir = repo(g);
    g.write({ agents: { a: { command: sh(`printf 'A\\n' > shared.txt; echo ran`), cwd: dir, mode: 'on-demand', role: 'project' } } });
    const up = await g.up();
    await g.agor(['wake', 'a']);
    await g.waitRuns('a', 'one run ended', (rs) => rs.length === 1 && rs[0]!.ended_at !== null);
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    await g.agor(['wake', 'a']);
    await g.waitRuns('a', 'a second run ended', (rs) => rs.length === 2 && rs[1]!.ended_at !== null, 20_000);
    expect((await g.runs('a'))[1]!.outcome).toBe('success');
    const ps = await g.agent('a');
    expect(ps.supervised).toBe(true);
    expect(() => process.kill(up.pid, 0)).not.toThrow();
    expect((await g.agor(['conflicts'])).code).toBe(0);
    // Said once at most, not every second.
    const said = readFileSync(up.log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('conflicts: cannot look at'));
    expect(said.length).toBeLessThanOrEqual(1);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { group, sh } from '../agor/fixture.js';

const helper = join(process.cwd(), 'dist/agor-sandbox');
const abi = (JSON.parse(spawnSync(helper, ['--probe'], { encoding: 'utf8' }).stdout) as { landlock_abi: number }).landlock_abi;

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(abi < 1)('a sandboxed agent with a worktree', () => {
  it('commits in its own worktree but cannot write in the main checkout', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    // Outside the group's directory, which holds the database and so is writable to every agent.
    const repo = mkdtempSync(join(tmpdir(), 'agor-repo-'));
    onTestFinished(() => rmSync(repo, { recursive: true, force: true }));
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'shared.txt'), 'original\n');
    git(repo, 'add', 'shared.txt');
    git(repo, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init');
    const script = [
      'echo mine > mine.txt',
      'git add mine.txt',
      'git -c user.email=s@s -c user.name=s commit -qm "sandboxed commit" && echo COMMITTED',
      `(echo overwritten > ${JSON.stringify(join(repo, 'shared.txt'))}) 2>/dev/null && echo ESCAPED || echo KEPT_OUT`,
    ].join('; ');
    g.write({ agents: { boxed: { mode: 'on-demand', cwd: repo, worktree: true, sandbox: { mode: 'required' }, command: sh(script) } } });
    await g.up();
    await g.agor(['wake', 'boxed']);
    const [run] = await g.waitRuns('boxed', 'a finished run', (rs) => rs.some((r) => r.outcome !== null), 20_000);
    expect(run!.sandbox).toMatch(/landlock abi \d/);
    const log = g.logOf(run!);
    expect(log).toContain('COMMITTED');
    expect(log).toContain('KEPT_OUT');
    expect(git(repo, 'log', '--format=%s', 'agor/boxed').trim().split('\n')).toEqual(['sandboxed commit', 'init']);
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toBe('original\n');
  });
});

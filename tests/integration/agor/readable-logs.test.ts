import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { EXIT, group, sh } from './fixture.js';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'transcripts');
// A made-up key in the real shape, as a leaky tool result would print it.
const ANT = 'sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4Vu3Ts2Rq1Po0NmAA';

/** Claude Code lines a hostile or careless tool could produce: an escape sequence in the text, a key in a tool result. */
function extraLines(dir: string): string {
  const path = join(dir, 'extra.jsonl');
  const lines = [
    { type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: 'colour \u001b[31mred\u001b]0;pwned\u0007 here' }] } },
    { type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't9', content: `ANTHROPIC_API_KEY=${ANT}` }] } },
  ];
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
}

const onDemand = (script: string) => ({ mode: 'on-demand', sandbox: 'off', restart: { max_retries: 0 }, stop_grace: '1s', command: sh(script) });

describe.concurrent('readable agent logs', () => {
  it('agor logs shows a Claude Code transcript as text a person reads, and --raw shows the lines as written', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { placeholder: onDemand('true') } });
    const extra = extraLines(g.dir);
    g.write({ agents: { coder: onDemand(`cat '${join(FIXTURES, 'claude-stream.jsonl')}' '${extra}'`) } });
    await g.up();
    expect((await g.agor(['wake', 'coder'])).code).toBe(0);
    await g.waitRuns('coder', 'a run that ended', (rs) => rs[0]?.outcome != null);

    const r = await g.agor(['logs', 'coder', '-n', '100']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain("I'll look at the failing test first.");
    expect(out).toContain('● Read README.md');
    expect(out).toContain('● Bash: npm test');
    expect(out).toContain('● Edit src/app.ts');
    expect(out).toMatch(/… \d+ more lines/);
    expect(out).toContain('✔ done ($0.0421, 5410 in / 147 out tokens, 48.2 s)');
    expect(out).not.toContain('"type":');
    // The escape sequences a JSON string held are shown, not sent to the terminal.
    expect(out).toContain('colour ^[[31mred^[]0;pwned^G here');
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    // A key in a tool result is redacted in every form.
    expect(out).toContain('ANTHROPIC_API_KEY=[REDACTED:anthropic-key]');
    expect(out).not.toContain(ANT);

    const raw = await g.agor(['logs', 'coder', '-n', '100', '--raw']);
    expect(raw.stdout).toContain('{"type":"system","subtype":"init"');
    expect(raw.stdout).toContain('"total_cost_usd":0.0421');
    expect(raw.stdout).not.toContain('● Edit');
    expect(raw.stdout).not.toContain(ANT);

    // Without a supervisor the log is read from its file, and rendered the same way.
    expect((await g.down()).code).toBe(0);
    const offline = await g.agor(['logs', 'coder', '-n', '100']);
    expect(offline.stdout).toContain('● Edit src/app.ts');
    expect(offline.stdout).not.toContain(ANT);
  });

  it('agor logs renders Codex transcripts and leaves lines of no known format as they are', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        codex: onDemand(
          `echo 'plain text line'; echo '{"level":"info","msg":"unknown json"}'; cat '${join(FIXTURES, 'codex-exec.jsonl')}' '${join(FIXTURES, 'codex-legacy.jsonl')}'`,
        ),
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'codex'])).code).toBe(0);
    await g.waitRuns('codex', 'a run that ended', (rs) => rs[0]?.outcome != null);
    const out = (await g.agor(['logs', 'codex', '-n', '100'])).stdout;
    expect(out).toContain('plain text line');
    expect(out).toContain('{"level":"info","msg":"unknown json"}');
    expect(out).toContain('● shell: git status');
    expect(out).toContain('● apply_patch src/app.ts');
    expect(out).toContain('✔ done (24763 in / 122 out tokens)');
    expect(out).toContain('✘ error: stream disconnected before completion: 401 Unauthorized: invalid api key');
    expect(out).toContain('✘ error: exceeded retry limit, last status: 429 Too Many Requests');
  });
});

describe.concurrent('a failed agent says why', () => {
  it('agor ps, agor runs and agor why show the class, the exit code and the last meaningful line of a failed run', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { coder: onDemand(`cat '${join(FIXTURES, 'codex-exec.jsonl')}'; echo; echo '  50%'; exit 1`), idle: onDemand('true') },
    });
    await g.up();
    expect((await g.agor(['wake', 'coder'])).code).toBe(0);
    const [run] = await g.waitRuns('coder', 'a run that ended', (rs) => rs[0]?.outcome != null);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'auth', exit_code: 1 });
    const line = 'stream disconnected before completion: 401 Unauthorized: invalid api key';
    expect(run!.last_line).toBe(line);

    const a = await g.agent('coder');
    expect(a).toMatchObject({ last_outcome: 'failed', last_error_class: 'auth', last_exit_code: 1, last_signal: null, last_line: line });
    const ps = await g.agor(['ps']);
    expect(ps.stdout).toContain(`coder: last run failed (auth), exit 1: ${line}  (agor why coder)`);
    const runs = await g.agor(['runs', 'coder']);
    expect(runs.stdout).toContain('WHY');
    expect(runs.stdout).toContain('stream disconnected before completion');

    const why = await g.agor(['why', 'coder']);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toMatch(/coder: last run [0-9a-f]{8} failed \(auth\), exit 1/);
    expect(why.stdout).toContain(`last line: ${line}`);
    expect(why.stdout).toContain('● shell: npm test');
    expect(why.stdout).toContain('agor secret set NAME --agent coder');
    expect(why.stdout).toContain('agor restart coder');

    // Without a supervisor, from the database alone; the secrets agor.yaml gives it are named.
    expect((await g.down()).code).toBe(0);
    g.write({ agents: { coder: { ...onDemand('true'), secrets: ['OPENAI_API_KEY'] }, idle: onDemand('true') } });
    const offline = await g.ok<{ run: { id: string }; exit: string; lines: string[]; next: string[] }>(['why', 'coder'], { cwd: g.dir });
    expect(offline.run.id).toBe(run!.id);
    expect(offline.exit).toBe('exit 1');
    expect(offline.lines.length).toBeLessThanOrEqual(20);
    expect(offline.lines.at(-1)).toBe('50%'.padStart(5));
    expect(offline.next[0]).toContain('agor secret set OPENAI_API_KEY --agent coder');

    const none = await g.agor(['why', 'idle']);
    expect(none.code).toBe(EXIT.OK);
    expect(none.stdout).toContain('idle has no runs yet');
    const unknown = await g.agor(['why', 'nobody']);
    expect(unknown.code).toBe(EXIT.NOT_FOUND);
    expect(unknown.stderr).toContain("no agent 'nobody'");
  });

  it('agor why says a timed-out run hit its timeout, and a running service is fine', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { slow: { ...onDemand('echo working; sleep 30'), timeout: '1s' }, keep: { command: sh('echo up; while :; do sleep 1; done'), stop_grace: '1s' } },
    });
    await g.up();
    expect((await g.agor(['wake', 'slow'])).code).toBe(0);
    await g.waitRuns('slow', 'a run that timed out', (rs) => rs[0]?.outcome === 'timeout', 20_000);
    const slow = await g.agor(['why', 'slow']);
    expect(slow.code, slow.stderr).toBe(0);
    expect(slow.stdout).toContain('timeout');
    expect(slow.stdout).toContain('raise timeout: for slow in agor.yaml');
    expect(slow.stdout).toContain('working');

    await g.waitAgent('keep', 'running', (a) => a.state === 'running' || a.state === 'idle');
    const keep = await g.agor(['why', 'keep']);
    expect(keep.code, keep.stderr).toBe(0);
    expect(keep.stdout).toMatch(/keep is running: run [0-9a-f]{8}/);
  });
});

describe('a sandboxed agent refused a path', () => {
  it('agor why names the path the sandbox may have blocked and how to allow it', async ({ onTestFinished, skip }) => {
    const outside = `${tmpdir()}/agor-why-${process.pid}-${Date.now()}`;
    const g = group(onTestFinished, {
      agents: { boxed: { mode: 'on-demand', restart: { max_retries: 0 }, stop_grace: '1s', command: sh(`echo "writing the report"; touch '${outside}'`) } },
    });
    onTestFinished(() => rmSync(outside, { force: true }));
    await g.up();
    expect((await g.agor(['wake', 'boxed'])).code).toBe(0);
    const [run] = await g.waitRuns('boxed', 'a run that ended', (rs) => rs[0]?.outcome != null);
    // Where the kernel offers no filesystem sandbox (best-effort), the write goes through: nothing to explain.
    if (run!.outcome === 'success') skip('no filesystem sandbox on this kernel');
    const why = await g.agor(['why', 'boxed']);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toContain(`the sandbox may have blocked ${outside}: allow it with sandbox: { read: [${outside}] } (or write:) for boxed in agor.yaml`);
    expect(why.stdout).toContain('writing the report');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastMeaningfulLine, renderLogLine, renderLogLines, runLastLine, toolSummary } from '../../../src/supervisor/logrender.js';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/transcripts', name), 'utf8');
const texts = (name: string): string[] => renderLogLines(fixture(name).split('\n')).map((l) => l.text);

describe('rendering a Claude Code transcript', () => {
  const lines = renderLogLines(fixture('claude-stream.jsonl').split('\n'));
  const shown = lines.map((l) => l.text);

  it("shows the assistant's words as they are", () => {
    expect(shown).toContain("I'll look at the failing test first.");
    expect(shown).toContain('Fixed the loop bound in src/app.ts; the tests pass now.');
  });

  it('shows each tool call by name with what it works on', () => {
    expect(lines.filter((l) => l.tone === 'tool').map((l) => l.text.replace(/^\S+ /, ''))).toEqual(['Read README.md', 'Bash: npm test', 'Edit src/app.ts']);
  });

  it('shortens a long tool result to its first lines and says how many more there were', () => {
    const i = shown.findIndex((l) => l.includes('Read README.md'));
    expect(shown[i + 1]).toContain('# app');
    expect(shown[i + 4]).toMatch(/… \d+ more lines/);
    expect(shown).not.toContain('See docs/deploy.md.');
  });

  it('marks a failed tool result as an error', () => {
    expect(lines.find((l) => l.text.includes('FAIL tests/app.test.ts'))?.tone).toBe('error');
  });

  it('ends with the result, its cost and its tokens', () => {
    const last = lines.filter((l) => l.text).at(-1)!;
    expect(last).toEqual({ text: '✔ done ($0.0421, 5410 in / 147 out tokens, 48.2 s)', tone: 'result' });
  });

  it('never shows the JSON plumbing', () => {
    expect(shown.some((l) => l.includes('"type"'))).toBe(false);
  });
});

describe('rendering Codex transcripts', () => {
  it('shows commands as shell calls without their shell wrapper, file changes and the tokens of a turn', () => {
    const shown = texts('codex-exec.jsonl');
    expect(shown).toContain('● shell: git status');
    expect(shown).toContain('● shell: npm test');
    expect(shown).toContain('● apply_patch src/app.ts');
    expect(shown).toContain('✔ done (24763 in / 122 out tokens)');
  });

  it('highlights an error', () => {
    const lines = renderLogLines(fixture('codex-exec.jsonl').split('\n'));
    expect(lines.at(-2)).toEqual({ text: '✘ error: stream disconnected before completion: 401 Unauthorized: invalid api key', tone: 'error' });
  });

  it('reads the older events the same way', () => {
    const shown = texts('codex-legacy.jsonl');
    expect(shown).toContain('● shell: git status');
    expect(shown).toContain('Changed the loop bound in src/app.ts.');
    expect(shown.some((l) => l.startsWith('✘ error: exceeded retry limit'))).toBe(true);
  });

  it('says a failed turn failed, with why', () => {
    expect(renderLogLine('{"type":"turn.failed","error":{"message":"usage limit reached"}}')).toEqual([{ text: '✘ failed: usage limit reached', tone: 'error' }]);
  });
});

describe('lines that are not a transcript', () => {
  it('are shown as written, tone-less', () => {
    for (const line of ['npm test', '', '{"level":"info"}', '{broken', '  indented']) expect(renderLogLine(line)).toEqual([{ text: line, tone: null }]);
  });

  it('keep the escape sequences a JSON string holds for the caller to show inert', () => {
    const [l] = renderLogLine(JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'red \u001b[31mtext' }] } }));
    expect(l!.text).toBe('red \u001b[31mtext');
  });
});

describe('secrets that JSON escapes hid from the scrubber', () => {
  const ANT = 'sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4Vu3Ts2Rq1Po0NmAA';
  const escaped = '\\u0073' + ANT.slice(1);

  it('are redacted once decoded, in text, tool results and tool inputs', () => {
    const text = `{"type":"assistant","message":{"content":[{"type":"text","text":"key ${escaped}"}]}}`;
    expect(renderLogLine(text)).toEqual([{ text: 'key [REDACTED:anthropic-key]', tone: null }]);
    const result = `{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"${escaped}"}]}}`;
    expect(renderLogLine(result)[0]!.text).toBe('  ⎿ [REDACTED:anthropic-key]');
    const tool = `{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"curl -H ${escaped}"}}]}}`;
    expect(renderLogLine(tool)[0]!.text).toBe('● Bash: curl -H [REDACTED:anthropic-key]');
  });
});

describe('tool summaries', () => {
  it.each([
    ['Edit', { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }, 'Edit src/a.ts'],
    ['Write', { file_path: 'b.md', content: 'x' }, 'Write b.md'],
    ['Read', { file_path: 'README.md' }, 'Read README.md'],
    ['Bash', { command: 'npm test\nnpm run lint' }, 'Bash: npm test'],
    ['shell', { command: ['bash', '-lc', 'git status'] }, 'shell: git status'],
    ['shell', { command: "/bin/bash -lc 'ls -la'" }, 'shell: ls -la'],
    ['shell', { command: ['ls', '-la'] }, 'shell: ls -la'],
    ['Grep', { pattern: 'TODO', path: 'src' }, 'Grep TODO in src'],
    ['Glob', { pattern: '**/*.ts' }, 'Glob **/*.ts'],
    ['WebFetch', { url: 'https://example.com', prompt: 'x' }, 'WebFetch https://example.com'],
    ['Task', { description: 'review the diff', prompt: 'long' }, 'Task: review the diff'],
    ['TodoWrite', { todos: [{}, {}] }, 'TodoWrite (2 items)'],
    ['github.search_issues', { q: 'bug' }, 'github.search_issues q=bug'],
    ['Nothing', {}, 'Nothing'],
  ])('%s %j reads as %s', (name, input, want) => {
    expect(toolSummary(name, input as Record<string, unknown>)).toBe(want);
  });

  it('names the files of a patch', () => {
    expect(toolSummary('apply_patch', {}, ['a.ts', 'b.ts'])).toBe('apply_patch a.ts, b.ts');
  });

  it('cuts a long argument short', () => {
    expect(toolSummary('Bash', { command: 'x'.repeat(500) }).length).toBeLessThanOrEqual(200);
  });
});

describe('the last meaningful line of a run', () => {
  it('is the last error of a transcript', () => {
    expect(lastMeaningfulLine(fixture('codex-exec.jsonl'))).toBe('stream disconnected before completion: 401 Unauthorized: invalid api key');
    expect(lastMeaningfulLine(fixture('codex-legacy.jsonl'))).toBe('exceeded retry limit, last status: 429 Too Many Requests');
  });

  it("is a transcript's result text when it ended without an error", () => {
    expect(lastMeaningfulLine(fixture('claude-stream.jsonl'))).toBe('Fixed the loop bound in src/app.ts; the tests pass now.');
  });

  it('skips blank lines, progress noise and JSON of no known format', () => {
    expect(lastMeaningfulLine('Error: connect ECONNREFUSED\n\n  42%\n[=====>    ]\n{"level":"debug"}\n \n')).toBe('Error: connect ECONNREFUSED');
  });

  it('drops escape sequences and what a carriage return overwrote', () => {
    expect(lastMeaningfulLine('\u001b[31mfatal: not a git repository\u001b[0m\n')).toBe('fatal: not a git repository');
    expect(lastMeaningfulLine('downloading 10%\rdownloading 90%\rdone: 3 files\n')).toBe('done: 3 files');
  });

  it('is null when nothing is worth quoting', () => {
    expect(lastMeaningfulLine('\n\n---\n')).toBeNull();
    expect(lastMeaningfulLine('{"type":"turn.started"}\n')).toBeNull();
  });

  it('is scrubbed whole before it is cut, and skips the first line of a tail cut mid-line', () => {
    const secret = 'sk-secret-value-123';
    const scrub = (s: string) => s.replaceAll(secret, '[REDACTED]');
    expect(runLastLine(`half a line\nauth failed with ${secret}\n`, true, scrub)).toBe('auth failed with [REDACTED]');
    expect(runLastLine('only a cut line', true, scrub)).toBeNull();
    expect(runLastLine(null, false, scrub)).toBeNull();
    expect(runLastLine(`${'x '.repeat(300)}${secret}`, false, scrub)!.length).toBeLessThanOrEqual(200);
  });
});

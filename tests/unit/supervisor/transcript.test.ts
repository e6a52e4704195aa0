import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TranscriptItem, changedFiles, parseTranscriptLine } from '../../../src/supervisor/transcript.js';

const fixture = (name: string): string[] =>
  readFileSync(join(__dirname, '../../fixtures/transcripts', name), 'utf8')
    .split('\n')
    .filter(Boolean);
const items = (lines: string[]): TranscriptItem[] => lines.flatMap((l) => parseTranscriptLine(l) ?? []);

describe('reading Claude Code stream-json', () => {
  const all = items(fixture('claude-stream.jsonl'));

  it('reads the init line as the session, its model and id', () => {
    expect(all[0]).toEqual({ kind: 'init', tool: 'claude', model: 'claude-sonnet-4-5-20250929', session: '5f1c2a9e-7d3b-4c1a-9e2f-0a1b2c3d4e5f' });
  });

  it('reads the assistant text, thinking and tool calls with their inputs', () => {
    expect(all.filter((i) => i.kind === 'text').map((i) => (i as { text: string }).text)).toEqual([
      "I'll look at the failing test first.",
      'Fixed the loop bound in src/app.ts; the tests pass now.',
    ]);
    expect(all.find((i) => i.kind === 'thinking')).toMatchObject({ text: expect.stringContaining('off-by-one') });
    const tools = all.filter((i) => i.kind === 'tool');
    expect(tools.map((t) => (t as { name: string }).name)).toEqual(['Read', 'Bash', 'Edit']);
    expect(tools[1]).toMatchObject({ id: 'toolu_02', input: { command: 'npm test' }, files: [] });
  });

  it('says which files an Edit changes, and none for a Read', () => {
    expect(changedFiles(all)).toEqual(['src/app.ts']);
  });

  it('reads tool results as text, from a string or from content blocks, with their error flag', () => {
    const results = all.filter((i): i is Extract<TranscriptItem, { kind: 'tool_result' }> => i.kind === 'tool_result');
    expect(results).toHaveLength(3);
    expect(results[0]!.text.split('\n').length).toBeGreaterThan(10);
    expect(results[1]).toMatchObject({ id: 'toolu_02', error: true, text: expect.stringContaining('expected 2, got 3') });
    expect(results[2]).toMatchObject({ error: false, text: 'The file src/app.ts has been updated.' });
  });

  it('reads the final result with its cost, tokens and duration', () => {
    expect(all.at(-1)).toEqual({
      kind: 'result',
      ok: true,
      text: 'Fixed the loop bound in src/app.ts; the tests pass now.',
      costUsd: 0.0421,
      tokensIn: 5410,
      tokensOut: 147,
      durationMs: 48210,
    });
  });

  it('reads a failed result as not ok, its subtype as the text when it has no result', () => {
    const [r] = parseTranscriptLine('{"type":"result","subtype":"error_max_turns","is_error":true,"total_cost_usd":0.5,"session_id":"s"}')!;
    expect(r).toMatchObject({ kind: 'result', ok: false, text: 'error_max_turns', costUsd: 0.5 });
  });

  it('reads the older cost_usd field too', () => {
    expect(parseTranscriptLine('{"type":"result","subtype":"success","cost_usd":0.01,"result":"ok"}')![0]).toMatchObject({ costUsd: 0.01 });
  });

  it('shows nothing for system lines other than init and for partial stream events', () => {
    expect(parseTranscriptLine('{"type":"system","subtype":"compact_boundary","session_id":"s"}')).toEqual([]);
    expect(parseTranscriptLine('{"type":"stream_event","event":{"type":"content_block_delta"}}')).toEqual([]);
  });

  it('takes a user message of plain text as nothing to show, and an assistant one as text', () => {
    expect(parseTranscriptLine('{"type":"user","message":{"role":"user","content":"do it"}}')).toEqual([]);
    expect(parseTranscriptLine('{"type":"assistant","message":{"role":"assistant","content":"done"}}')).toEqual([{ kind: 'text', text: 'done' }]);
  });

  it('counts Write, MultiEdit and NotebookEdit as changing their file', () => {
    const line = (name: string, input: object) => JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', id: 'x', name, input }] } });
    const got = items([
      line('Write', { file_path: 'a.ts', content: '' }),
      line('MultiEdit', { file_path: 'b.ts', edits: [] }),
      line('NotebookEdit', { notebook_path: 'c.ipynb' }),
      line('Grep', { pattern: 'x' }),
    ]);
    expect(changedFiles(got)).toEqual(['a.ts', 'b.ts', 'c.ipynb']);
  });
});

describe('reading Codex exec --json', () => {
  const all = items(fixture('codex-exec.jsonl'));

  it('reads thread.started as the session', () => {
    expect(all[0]).toEqual({ kind: 'init', tool: 'codex', model: null, session: '0199a213-81c0-7800-8aa1-bbab2a035a53' });
  });

  it('reads a command as a shell call when it starts and its output when it completes, failed by its exit code', () => {
    const shell = all.filter((i) => i.kind === 'tool' && i.name === 'shell');
    expect(shell.map((s) => (s as Extract<TranscriptItem, { kind: 'tool' }>).input.command)).toEqual(["bash -lc 'git status'", "bash -lc 'npm test'"]);
    const results = all.filter((i) => i.kind === 'tool_result');
    expect(results.map((r) => (r as { error: boolean }).error)).toEqual([false, true]);
  });

  it('reads a file change as apply_patch naming its files', () => {
    expect(all.find((i) => i.kind === 'tool' && i.name === 'apply_patch')).toMatchObject({ files: ['src/app.ts'] });
    expect(changedFiles(all)).toEqual(['src/app.ts']);
  });

  it('reads the agent message, the turn with its tokens, and an error', () => {
    expect(all).toContainEqual({ kind: 'text', text: 'Fixed the loop bound in src/app.ts.' });
    expect(all).toContainEqual({ kind: 'result', ok: true, text: null, costUsd: null, tokensIn: 24763, tokensOut: 122, durationMs: null });
    expect(all.at(-1)).toEqual({ kind: 'error', text: 'stream disconnected before completion: 401 Unauthorized: invalid api key' });
  });

  it('reads a failed turn as a failed result with its message', () => {
    expect(parseTranscriptLine('{"type":"turn.failed","error":{"message":"usage limit reached"}}')).toEqual([
      { kind: 'result', ok: false, text: 'usage limit reached', costUsd: null, tokensIn: null, tokensOut: null, durationMs: null },
    ]);
  });

  it('reads an error item, an MCP tool call and a web search', () => {
    expect(parseTranscriptLine('{"type":"item.completed","item":{"id":"i","type":"error","message":"model not found"}}')).toEqual([
      { kind: 'error', text: 'model not found' },
    ]);
    expect(
      parseTranscriptLine('{"type":"item.started","item":{"id":"i","type":"mcp_tool_call","server":"github","tool":"search_issues","arguments":{"q":"bug"}}}'),
    ).toEqual([{ kind: 'tool', id: 'i', name: 'github.search_issues', input: { q: 'bug' }, files: [] }]);
    expect(parseTranscriptLine('{"type":"item.started","item":{"id":"i","type":"web_search","query":"vitest"}}')![0]).toMatchObject({ name: 'web_search' });
  });

  it('shows nothing for a turn starting, an update, or an item of a kind not known', () => {
    expect(parseTranscriptLine('{"type":"turn.started"}')).toEqual([]);
    expect(parseTranscriptLine('{"type":"item.updated","item":{"id":"i","type":"agent_message","text":"par"}}')).toEqual([]);
    expect(parseTranscriptLine('{"type":"item.completed","item":{"id":"i","type":"todo_list","items":[]}}')).toEqual([]);
  });
});

describe('reading the older Codex events', () => {
  const all = items(fixture('codex-legacy.jsonl'));

  it('reads the session, reasoning, commands, a patch, the message, the end and an error', () => {
    expect(all.map((i) => i.kind)).toEqual(['init', 'thinking', 'tool', 'tool_result', 'tool', 'text', 'result', 'error']);
    expect(all[0]).toMatchObject({ model: 'codex-mini-latest' });
    expect(all[2]).toMatchObject({ name: 'shell', input: { command: ['bash', '-lc', 'git status'] } });
    expect(all[3]).toMatchObject({ error: false, text: expect.stringContaining('working tree clean') });
    expect(all[4]).toMatchObject({ name: 'apply_patch', files: ['src/app.ts'] });
    expect(all[6]).toMatchObject({ ok: true, text: 'Changed the loop bound in src/app.ts.' });
    expect(all[7]).toEqual({ kind: 'error', text: 'exceeded retry limit, last status: 429 Too Many Requests' });
  });

  it('fails a command by its exit code', () => {
    expect(parseTranscriptLine('{"id":"1","msg":{"type":"exec_command_end","call_id":"c","stdout":"","stderr":"boom","exit_code":2}}')![0]).toMatchObject({
      kind: 'tool_result',
      error: true,
    });
  });
});

describe('lines of no known format', () => {
  it.each([
    ['plain text', 'npm test'],
    ['an empty line', ''],
    ['broken JSON', '{"type":"assistant",'],
    ['a JSON array', '[1,2]'],
    ['JSON without a type', '{"level":"info","msg":"started"}'],
    ['a JSON string', '"hello"'],
    ['an assistant line without a message', '{"type":"assistant"}'],
    ['an item event without its item', '{"type":"item.completed"}'],
    ['an unknown type', '{"type":"telemetry","n":1}'],
  ])('reads %s as null, to be shown as written', (_what, line) => {
    expect(parseTranscriptLine(line)).toBeNull();
  });

  it('never decides by anything but the content: leading spaces and a trailing CR are fine', () => {
    expect(parseTranscriptLine('  {"type":"turn.started"}\r')).toEqual([]);
  });
});

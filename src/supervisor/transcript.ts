/**
 * The JSON lines that agent tools write about their work, read into one shape: Claude Code's
 * `--output-format stream-json` and Codex's `exec --json` (both the item events of current
 * releases and the older `{ msg: {...} }` events). A format is recognised by a line's
 * content, never by the agent's name; a line of no known format is null, so callers show it
 * as written.
 */

/** One thing an agent tool reported. */
export type TranscriptItem =
  | { kind: 'init'; tool: 'claude' | 'codex'; model: string | null; session: string | null }
  | { kind: 'text'; text: string }
  | { kind: 'thinking'; text: string }
  /** A tool call: its name, its input as given, and the files it changes (none for a read). */
  | { kind: 'tool'; id: string | null; name: string; input: Record<string, unknown>; files: string[] }
  | { kind: 'tool_result'; id: string | null; text: string; error: boolean }
  /** The end of a session or turn: whether it succeeded, its final text, cost and tokens where told. */
  | { kind: 'result'; ok: boolean; text: string | null; costUsd: number | null; tokensIn: number | null; tokensOut: number | null; durationMs: number | null }
  | { kind: 'error'; text: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Claude Code's tools that change a file, and the input key that names it. */
const CLAUDE_FILE_KEYS: Record<string, string> = { Write: 'file_path', Edit: 'file_path', MultiEdit: 'file_path', NotebookEdit: 'notebook_path' };

/** A tool result's text: Claude gives a string or a list of content blocks. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((b) => (isObj(b) && typeof b.text === 'string' ? b.text : ''))
      .filter(Boolean)
      .join('\n');
  return '';
}

function claude(j: Obj): TranscriptItem[] | null {
  switch (j.type) {
    // Partial deltas (--include-partial-messages): the whole message follows as `assistant`.
    case 'stream_event':
      return [];
    case 'system':
      if (j.subtype !== 'init') return [];
      return [{ kind: 'init', tool: 'claude', model: str(j.model), session: str(j.session_id) }];
    case 'assistant':
    case 'user': {
      const msg = j.message;
      if (!isObj(msg)) return null;
      const content = msg.content;
      if (typeof content === 'string') return j.type === 'assistant' ? [{ kind: 'text', text: content }] : [];
      if (!Array.isArray(content)) return null;
      const out: TranscriptItem[] = [];
      for (const b of content) {
        if (!isObj(b)) continue;
        if (b.type === 'text' && typeof b.text === 'string' && j.type === 'assistant') out.push({ kind: 'text', text: b.text });
        else if (b.type === 'thinking' && typeof b.thinking === 'string') out.push({ kind: 'thinking', text: b.thinking });
        else if (b.type === 'tool_use' && typeof b.name === 'string') {
          const input = isObj(b.input) ? b.input : {};
          const key = CLAUDE_FILE_KEYS[b.name];
          const file = key ? str(input[key]) : null;
          out.push({ kind: 'tool', id: str(b.id), name: b.name, input, files: file ? [file] : [] });
        } else if (b.type === 'tool_result') out.push({ kind: 'tool_result', id: str(b.tool_use_id), text: resultText(b.content), error: b.is_error === true });
      }
      return out;
    }
    case 'result': {
      const usage = isObj(j.usage) ? j.usage : {};
      const ok = j.is_error !== true && (j.subtype === undefined || j.subtype === 'success');
      return [
        {
          kind: 'result',
          ok,
          text: str(j.result) ?? (ok ? null : str(j.subtype)),
          costUsd: num(j.total_cost_usd) ?? num(j.cost_usd),
          tokensIn: num(usage.input_tokens),
          tokensOut: num(usage.output_tokens),
          durationMs: num(j.duration_ms),
        },
      ];
    }
    default:
      return null;
  }
}

/** Codex's current events: thread/turn/item. */
function codexItem(j: Obj): TranscriptItem[] | null {
  const t = j.type;
  if (t === 'thread.started') return [{ kind: 'init', tool: 'codex', model: null, session: str(j.thread_id) }];
  if (t === 'turn.started') return [];
  if (t === 'turn.completed') {
    const u = isObj(j.usage) ? j.usage : {};
    return [{ kind: 'result', ok: true, text: null, costUsd: null, tokensIn: num(u.input_tokens), tokensOut: num(u.output_tokens), durationMs: null }];
  }
  if (t === 'turn.failed') {
    const e = isObj(j.error) ? str(j.error.message) : null;
    return [{ kind: 'result', ok: false, text: e ?? 'turn failed', costUsd: null, tokensIn: null, tokensOut: null, durationMs: null }];
  }
  if (t === 'error') return [{ kind: 'error', text: str(j.message) ?? 'error' }];
  if (t !== 'item.started' && t !== 'item.updated' && t !== 'item.completed') return null;
  const it = j.item;
  if (!isObj(it)) return null;
  const id = str(it.id);
  const done = t === 'item.completed';
  switch (it.type) {
    case 'agent_message':
      return done ? [{ kind: 'text', text: str(it.text) ?? '' }] : [];
    case 'reasoning':
      return done ? [{ kind: 'thinking', text: str(it.text) ?? '' }] : [];
    case 'command_execution': {
      if (t === 'item.started') return [{ kind: 'tool', id, name: 'shell', input: { command: it.command }, files: [] }];
      if (!done) return [];
      const exit = num(it.exit_code);
      return [{ kind: 'tool_result', id, text: str(it.aggregated_output) ?? '', error: (exit !== null && exit !== 0) || it.status === 'failed' }];
    }
    case 'file_change': {
      if (!done) return [];
      const changes = Array.isArray(it.changes) ? it.changes.filter(isObj) : [];
      const files = changes.map((c) => str(c.path)).filter((p): p is string => p !== null);
      return [{ kind: 'tool', id, name: 'apply_patch', input: { changes }, files }];
    }
    case 'mcp_tool_call':
      return t === 'item.started'
        ? [{ kind: 'tool', id, name: `${str(it.server) ?? 'mcp'}.${str(it.tool) ?? '?'}`, input: isObj(it.arguments) ? it.arguments : {}, files: [] }]
        : [];
    case 'web_search':
      return t === 'item.started' ? [{ kind: 'tool', id, name: 'web_search', input: { query: it.query }, files: [] }] : [];
    case 'error':
      return [{ kind: 'error', text: str(it.message) ?? 'error' }];
    default:
      return [];
  }
}

/** Codex's older events: `{ id, msg: { type, ... } }`. */
function codexMsg(m: Obj): TranscriptItem[] | null {
  switch (m.type) {
    case 'session_configured':
      return [{ kind: 'init', tool: 'codex', model: str(m.model), session: str(m.session_id) }];
    case 'agent_message':
      return [{ kind: 'text', text: str(m.message) ?? '' }];
    case 'agent_reasoning':
      return [{ kind: 'thinking', text: str(m.text) ?? '' }];
    case 'exec_command_begin':
      return [{ kind: 'tool', id: str(m.call_id), name: 'shell', input: { command: m.command }, files: [] }];
    case 'exec_command_end': {
      const exit = num(m.exit_code);
      return [{ kind: 'tool_result', id: str(m.call_id), text: str(m.aggregated_output) ?? str(m.stdout) ?? '', error: exit !== null && exit !== 0 }];
    }
    case 'patch_apply_begin': {
      const files = isObj(m.changes) ? Object.keys(m.changes) : [];
      return [{ kind: 'tool', id: str(m.call_id), name: 'apply_patch', input: { changes: m.changes }, files }];
    }
    case 'task_complete':
      return [{ kind: 'result', ok: true, text: str(m.last_agent_message), costUsd: null, tokensIn: null, tokensOut: null, durationMs: null }];
    case 'error':
    case 'stream_error':
      return [{ kind: 'error', text: str(m.message) ?? 'error' }];
    default:
      return typeof m.type === 'string' ? [] : null;
  }
}

/**
 * What one line of an agent's output reports, or null when it is not a JSON line of a known
 * format (then it is shown as written). An empty list: a known line that shows nothing.
 */
export function parseTranscriptLine(line: string): TranscriptItem[] | null {
  const s = line.trim();
  if (!s.startsWith('{')) return null;
  let j: unknown;
  try {
    j = JSON.parse(s);
  } catch {
    return null;
  }
  if (!isObj(j)) return null;
  if (isObj(j.msg)) return codexMsg(j.msg);
  if (typeof j.type !== 'string') return null;
  if (j.type.includes('.') || (j.type === 'error' && !('session_id' in j))) return codexItem(j);
  return claude(j);
}

/** The files the tool calls of `items` change, in the order first named. */
export function changedFiles(items: Iterable<TranscriptItem>): string[] {
  const seen = new Set<string>();
  for (const it of items) if (it.kind === 'tool') for (const f of it.files) seen.add(f);
  return [...seen];
}

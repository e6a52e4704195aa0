/**
 * An agent's log as a person reads it: the JSON lines of Claude Code and Codex (see
 * transcript.ts) become the assistant's words, tool calls with a short summary, shortened
 * tool results, errors and the final result with its cost; any other line is kept as
 * written. Shared by `agor logs` and the dashboard's Logs view. The text is the agent's:
 * callers still show its control characters (showControls) before it reaches a terminal.
 */
import { stripSequences } from '../core/text.js';
import { scrubShapes } from '../secrets/scrub.js';
import { type TranscriptItem, parseTranscriptLine } from './transcript.js';

/** How a rendered line is meant to look: callers map it to colour (or to nothing). */
export type LogTone = 'error' | 'tool' | 'muted' | 'result' | null;

export interface RenderedLine {
  text: string;
  tone: LogTone;
}

/** Lines of a tool result shown before "… N more lines". */
const RESULT_LINES = 3;
/** The longest summary or result line, in characters: the rest is the log's, with --raw. */
const MAX_CHARS = 200;

const cut = (s: string, n = MAX_CHARS): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const firstLine = (s: string): string => s.split('\n').find((l) => l.trim()) ?? '';
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);

/** A shell command as one short line: `bash -lc 'git status'` and ["bash","-lc","git status"] read as `git status`. */
function commandLine(c: unknown): string {
  let s: string;
  if (Array.isArray(c)) {
    const parts = c.filter((p): p is string => typeof p === 'string');
    s = parts.length >= 3 && /^(ba|z|)sh$/.test(parts[0]!.replace(/^.*\//, '')) && /^-l?c$/.test(parts[1]!) ? parts.slice(2).join(' ') : parts.join(' ');
  } else s = typeof c === 'string' ? c : '';
  const m = /^(?:\/\S*\/)?(?:ba|z)?sh\s+-l?c\s+(['"])([\s\S]*)\1$/.exec(s.trim());
  if (m) s = m[2]!;
  return firstLine(s).trim();
}

/** The input keys that name what a tool works on, in the order looked for. */
const SUBJECT_KEYS = ['file_path', 'notebook_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'command'];

/**
 * A tool call in a few words: `Edit src/a.ts`, `Bash: npm test`, `Read README.md`,
 * `shell: git status`, `apply_patch src/a.ts, src/b.ts`, `Grep TODO in src`.
 */
export function toolSummary(name: string, input: Record<string, unknown>, files: string[] = []): string {
  if (name === 'Bash' || name === 'shell' || name === 'BashOutput') return cut(`${name}: ${commandLine(input.command)}`);
  if (name === 'apply_patch') return cut(`apply_patch ${files.join(', ') || '(no files)'}`);
  if (name === 'Grep') return cut(`Grep ${str(input.pattern) ?? ''}${str(input.path) ? ` in ${input.path as string}` : ''}`);
  if (name === 'Task' || name === 'Agent') return cut(`${name}: ${str(input.description) ?? str(input.prompt) ?? ''}`);
  if (name === 'TodoWrite' && Array.isArray(input.todos)) return `TodoWrite (${input.todos.length} item${input.todos.length === 1 ? '' : 's'})`;
  for (const k of SUBJECT_KEYS) {
    const v = str(input[k]);
    if (v) return cut(`${name} ${firstLine(v)}`);
  }
  // Something else: its first short string argument, if any.
  for (const [k, v] of Object.entries(input)) if (typeof v === 'string' && v.trim()) return cut(`${name} ${k}=${firstLine(v)}`);
  return name;
}

/** A tool's output: its first lines, then how many more there were. */
function resultLines(text: string, error: boolean): RenderedLine[] {
  // Blank lines say nothing in a preview.
  const lines = text.split('\n').filter((l) => l.trim());
  const tone: LogTone = error ? 'error' : 'muted';
  if (!lines.length) return [{ text: error ? '  ⎿ (failed, no output)' : '  ⎿ (no output)', tone }];
  const shown = lines.slice(0, RESULT_LINES).map((l, i) => ({ text: `${i === 0 ? '  ⎿ ' : '    '}${cut(l)}`, tone }));
  if (lines.length > RESULT_LINES)
    shown.push({ text: `    … ${lines.length - RESULT_LINES} more line${lines.length - RESULT_LINES === 1 ? '' : 's'}`, tone: 'muted' });
  return shown;
}

/** "$0.0421, 5410 in / 147 out tokens, 48.2 s": what a result says it cost. */
function costLine(r: Extract<TranscriptItem, { kind: 'result' }>): string {
  const parts: string[] = [];
  if (r.costUsd !== null) parts.push(`$${r.costUsd.toFixed(4)}`);
  if (r.tokensIn !== null || r.tokensOut !== null) parts.push(`${r.tokensIn ?? 0} in / ${r.tokensOut ?? 0} out tokens`);
  if (r.durationMs !== null) parts.push(`${(r.durationMs / 1000).toFixed(1)} s`);
  return parts.join(', ');
}

/** One transcript item as lines to show. */
export function renderItem(it: TranscriptItem): RenderedLine[] {
  switch (it.kind) {
    case 'init':
      return [{ text: `── ${it.tool} session${it.session ? ` ${it.session}` : ''}${it.model ? ` (${it.model})` : ''}`, tone: 'muted' }];
    case 'text':
      return it.text
        .replace(/\n+$/, '')
        .split('\n')
        .map((text) => ({ text, tone: null }));
    case 'thinking': {
      const lines = it.text.split('\n').filter((l) => l.trim());
      return [{ text: `✻ ${cut(lines[0] ?? '')}${lines.length > 1 ? ' …' : ''}`, tone: 'muted' }];
    }
    case 'tool':
      return [{ text: `● ${toolSummary(it.name, it.input, it.files)}`, tone: 'tool' }];
    case 'tool_result':
      return resultLines(it.text, it.error);
    case 'result': {
      const cost = costLine(it);
      const head = it.ok ? '✔ done' : `✘ failed${it.text ? `: ${cut(firstLine(it.text))}` : ''}`;
      return [{ text: `${head}${cost ? ` (${cost})` : ''}`, tone: it.ok ? 'result' : 'error' }];
    }
    case 'error':
      return [{ text: `✘ error: ${cut(firstLine(it.text))}`, tone: 'error' }];
  }
}

/** An item with its decoded text scrubbed of token shapes (its tool input too, through its JSON). */
function scrubItem(it: TranscriptItem): TranscriptItem {
  if (it.kind === 'init') return it;
  if (it.kind === 'tool') {
    const json = JSON.stringify(it.input);
    const clean = scrubShapes(json);
    if (clean === json) return it;
    try {
      return { ...it, input: JSON.parse(clean) as Record<string, unknown>, files: it.files.map(scrubShapes) };
    } catch {
      return { ...it, input: {}, files: it.files.map(scrubShapes) };
    }
  }
  if (it.kind === 'result') return it.text === null ? it : { ...it, text: scrubShapes(it.text) };
  return { ...it, text: scrubShapes(it.text) };
}

/**
 * One line of a log as lines to show: readable when it is a known transcript line, else as
 * written. The line came scrubbed; what JSON escapes hid from that (a token spelled with
 * \u escapes) is scrubbed of token shapes once decoded.
 */
export function renderLogLine(line: string): RenderedLine[] {
  const items = parseTranscriptLine(line);
  if (items === null) return [{ text: line, tone: null }];
  return items.flatMap((it) => renderItem(scrubItem(it)));
}

/** Lines of a log as lines to show. */
export const renderLogLines = (lines: string[]): RenderedLine[] => lines.flatMap(renderLogLine);

/** What is left of a terminal line once its escape sequences and overwritten parts are gone. */
function visibleText(line: string): string {
  const last =
    line
      .split('\r')
      .filter((s) => s.trim())
      .at(-1) ?? '';
  return stripSequences(last).trim();
}

/** Progress bars, spinners and counters: no letters to read. */
const NOISE = /^[^\p{L}]*$/u;

/** The text of a transcript item worth quoting as why a run ended, or null to look further back. */
function itemText(it: TranscriptItem): string | null {
  if (it.kind === 'error') return firstLine(it.text);
  if (it.kind === 'result') return it.text ? firstLine(it.text) : null;
  if (it.kind === 'tool_result' && it.error) return firstLine(it.text) || null;
  if (it.kind === 'text')
    return (
      it.text
        .split('\n')
        .filter((l) => l.trim())
        .at(-1) ?? null
    );
  return null;
}

/**
 * The last meaningful line of a run's output: blank lines, progress noise and JSON plumbing
 * skipped; for a transcript, the last error or result text (else the assistant's last
 * words). Null when nothing is worth quoting. Not yet scrubbed: the caller scrubs.
 */
export function lastMeaningfulLine(output: string, max = MAX_CHARS): string | null {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const raw = lines[i]!;
    const items = parseTranscriptLine(raw);
    if (items) {
      for (let j = items.length - 1; j >= 0; j--) {
        const t = itemText(items[j]!)?.trim();
        if (t) return cut(t, max);
      }
      continue;
    }
    const text = visibleText(raw);
    if (!text || NOISE.test(text)) continue;
    if (/^[[{]/.test(text)) {
      try {
        JSON.parse(text);
        continue; // plumbing of a format not known here
      } catch {
        /* not JSON: a line like any other */
      }
    }
    return cut(text, max);
  }
  return null;
}

/**
 * What a run's end records as its last line: the last meaningful line of `tail` (the end of
 * its log; `cut` when the tail starts mid-line), scrubbed whole before it is shortened, so
 * a secret is never stored half-redacted.
 */
export function runLastLine(tail: string | null, cut: boolean, scrub: (s: string) => string): string | null {
  if (!tail) return null;
  const nl = tail.indexOf('\n');
  const line = lastMeaningfulLine(cut ? (nl < 0 ? '' : tail.slice(nl + 1)) : tail, Infinity);
  if (line === null) return null;
  const clean = scrub(line);
  return clean.length > MAX_CHARS ? clean.slice(0, MAX_CHARS - 1) + '…' : clean;
}

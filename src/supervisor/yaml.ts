import { statSync } from 'node:fs';
import { type LineCounter, type Node, type Pair, isMap, isScalar } from 'yaml';
import { Exit, UserError } from '../core/errors.js';
import { durationMs, formatDuration } from '../core/durations.js';
import { nameProblem } from '../core/text.js';

// Reading agor.yaml's nodes: each reader checks one value and, when it is wrong, throws a
// ConfigError naming the file, the line and the dotted key.

/** A configuration error that names the file, line, column and key. */
export class ConfigError extends UserError {
  constructor(file: string, line: number | undefined, key: string, message: string, hint?: string) {
    super(`${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${message}`, hint, Exit.USAGE);
  }
}

/** The file being read, for the file:line of every error. */
export interface Ctx {
  file: string;
  lines: LineCounter;
}

/** True for a key written with no value (`read:`) or with every line below it commented out. */
export const isEmpty = (node: Node | null | undefined): boolean => isScalar(node) && node.value === null;

/** The 1-based line where `node` starts, when it has a position. */
export function lineOf(ctx: Ctx, node: Node | null | undefined): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : ctx.lines.linePos(start).line;
}

/** Throws the ConfigError for `node`: file, its line, `key`, the message and a hint. */
export function fail(ctx: Ctx, node: Node | null | undefined, key: string, message: string, hint?: string): never {
  throw new ConfigError(ctx.file, lineOf(ctx, node), key, message, hint);
}

/** Reads one mapping's pairs, refusing keys not in `allowed`. */
export function entries(ctx: Ctx, node: Node | null | undefined, key: string, allowed: readonly string[]): Map<string, Pair<Node, Node>> {
  const out = new Map<string, Pair<Node, Node>>();
  // A block whose every line is commented out is empty, not an error.
  if (key && isEmpty(node)) return out;
  if (!isMap(node)) fail(ctx, node, key, 'must be a mapping (key: value lines)');
  for (const pair of node.items as Pair<Node, Node>[]) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    const full = key ? `${key}.${k}` : k;
    if (!allowed.includes(k)) fail(ctx, pair.key, full, 'unknown key', `allowed here: ${allowed.join(', ')}`);
    if (out.has(k)) fail(ctx, pair.key, full, 'appears twice');
    out.set(k, pair);
  }
  return out;
}

/** A non-empty string. */
export function str(ctx: Ctx, node: Node | null | undefined, key: string): string {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') fail(ctx, node, key, 'must be a non-empty string');
  return node.value;
}

/** A string shown to people (a name, a model): no control or invisible characters. */
export function label(ctx: Ctx, node: Node | null | undefined, key: string): string {
  const v = str(ctx, node, key);
  const problem = nameProblem(v, 'the value');
  if (problem) fail(ctx, node, key, problem);
  return v;
}

/** One of `values`, spelled exactly. */
export function oneOf<T extends string>(ctx: Ctx, node: Node | null | undefined, key: string, values: readonly T[]): T {
  const v = isScalar(node) ? String(node.value) : undefined;
  if (v === undefined || !values.includes(v as T)) fail(ctx, node, key, `must be one of ${values.join(', ')}${v !== undefined ? ` (got '${v}')` : ''}`);
  return v as T;
}

/** A whole number from `min` to `max`. */
export function int(ctx: Ctx, node: Node | null | undefined, key: string, min: number, max: number): number {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(ctx, node, key, `must be a whole number from ${min} to ${max}`);
  return v;
}

/** A duration (core/durations grammar) or a number of seconds -> milliseconds, within bounds. */
export function duration(ctx: Ctx, node: Node | null | undefined, key: string, minMs: number, maxMs: number): number {
  const v = isScalar(node) ? node.value : undefined;
  let ms: number | undefined;
  if (typeof v === 'number' && v >= 0) ms = v * 1000;
  else if (typeof v === 'string') ms = durationMs(v);
  if (ms === undefined || !Number.isFinite(ms)) fail(ctx, node, key, `must be a duration like 30s, 15m, 2h or 1w (got ${JSON.stringify(v)})`);
  if (ms < minMs || ms > maxMs) fail(ctx, node, key, `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)} (got ${formatDuration(ms)})`);
  return ms;
}

/** Refuses a working directory that is missing or not a directory, before anything runs in it. */
export function checkDir(ctx: Ctx, node: Node, key: string, dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(
      ctx,
      node,
      key,
      code === 'ENOENT' ? `${dir} does not exist` : `cannot use ${dir}: ${(e as Error).message}`,
      'create the directory, or correct the path (relative paths start at the directory of agor.yaml)',
    );
  }
  if (!st.isDirectory()) fail(ctx, node, key, `${dir} is not a directory`);
}

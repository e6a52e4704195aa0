import type { Key } from 'ink';
import { useCallback, useRef, useState } from 'react';

export type Values = Record<string, string>;

export interface PromptField {
  key: string;
  label: string;
  initial?: string;
  /** Enter on an empty value is accepted (otherwise it is refused). */
  optional?: boolean;
  /** Pick one of these with the arrow keys or their number instead of typing. */
  choices?: readonly string[];
}

/** A question on the prompt line: fields to fill, then an optional y/n, then the action. */
export interface PromptSpec {
  fields?: PromptField[];
  /** The y/n question; without it the action runs as soon as the fields are filled. */
  confirm?: (v: Values) => string;
  run: (v: Values) => unknown;
  /** Status while the action runs, and after it succeeds. */
  pending?: (v: Values) => string;
  done?: (v: Values) => string;
}

export type Status = { tone: 'ok' | 'bad' | 'info'; text: string } | null;

/** What the prompt line shows. */
export type PromptView =
  { phase: 'field'; label: string; buffer: string; optional: boolean; choices?: readonly string[]; choice: number } | { phase: 'confirm'; question: string };

interface State {
  spec: PromptSpec;
  step: number;
  values: Values;
  buffer: string;
  choice: number;
  phase: 'field' | 'confirm';
}

/** "message (hint)" from whatever an action rejected with (a UserError has both). */
function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const err = e as { message: unknown; hint?: unknown };
    const hint = typeof err.hint === 'string' && err.hint ? ` (${err.hint})` : '';
    return `${String(err.message)}${hint}`;
  }
  return String(e);
}

function enter(spec: PromptSpec, step: number, values: Values): State {
  const f = spec.fields?.[step];
  if (!f) return { spec, step, values, buffer: '', choice: 0, phase: 'confirm' };
  const choice = f.choices ? Math.max(0, f.choices.indexOf(f.initial ?? '')) : 0;
  return { spec, step, values, buffer: f.choices ? '' : (f.initial ?? ''), choice, phase: 'field' };
}

// eslint-disable-next-line no-control-regex
const printable = (s: string) => s.replace(/\r?\n|\t/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');

/**
 * The one prompt of the dashboard: collects fields, asks y/n, runs the action and puts
 * its outcome (or its error, never a crash) in the status line. While it is open it takes
 * every key (the app offers it each key first).
 */
export function usePrompt(setStatus: (s: Status) => void): {
  view: PromptView | null;
  ask: (spec: PromptSpec) => void;
  active: boolean;
  /** Takes the key when a prompt is open (returns true), else leaves it (false). */
  handleKey: (input: string, key: Key) => boolean;
} {
  const [state, setState] = useState<State | null>(null);
  const live = useRef(state);
  live.current = state;

  const finish = useCallback(
    (spec: PromptSpec, values: Values) => {
      setState(null);
      if (spec.pending) setStatus({ tone: 'info', text: spec.pending(values) });
      const ok = () => (spec.done ? setStatus({ tone: 'ok', text: spec.done(values) }) : spec.pending ? setStatus(null) : undefined);
      const bad = (e: unknown) => setStatus({ tone: 'bad', text: `error: ${errorText(e)}` });
      try {
        const r = spec.run(values);
        if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(ok, bad);
        else ok();
      } catch (e) {
        bad(e);
      }
    },
    [setStatus],
  );

  const ask = useCallback(
    (spec: PromptSpec) => {
      const s = enter(spec, 0, {});
      if (s.phase === 'confirm' && !spec.confirm) finish(spec, {});
      else setState(s);
    },
    [finish],
  );

  const next = (s: State, value: string) => {
    const f = s.spec.fields![s.step]!;
    const values = { ...s.values, [f.key]: value };
    const n = enter(s.spec, s.step + 1, values);
    if (n.phase === 'confirm' && !s.spec.confirm) finish(s.spec, values);
    else setState(n);
  };

  const handleKey = (input: string, key: Key): boolean => {
    const s = live.current;
    if (!s) return false;
    const cancel = () => {
      setState(null);
      setStatus({ tone: 'info', text: 'cancelled' });
    };
    if (key.escape) {
      cancel();
    } else if (s.phase === 'confirm') {
      if (input === 'y' || input === 'Y') finish(s.spec, s.values);
      else if (input === 'n' || input === 'N') cancel();
    } else {
      const f = s.spec.fields![s.step]!;
      if (f.choices) {
        const n = f.choices.length;
        if (key.leftArrow || key.upArrow) setState({ ...s, choice: (s.choice + n - 1) % n });
        else if (key.rightArrow || key.downArrow || (key.tab && !key.shift)) setState({ ...s, choice: (s.choice + 1) % n });
        else if (key.return) next(s, f.choices[s.choice]!);
        else if (/^[1-9]$/.test(input) && Number(input) <= n) next(s, f.choices[Number(input) - 1]!);
      } else if (key.return) {
        const v = s.buffer.trim();
        if (v !== '' || f.optional) next(s, v);
      } else if (key.backspace || key.delete) {
        setState({ ...s, buffer: [...s.buffer].slice(0, -1).join('') });
      } else if (!(key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab || key.pageUp || key.pageDown)) {
        const add = printable(input);
        if (add) setState({ ...s, buffer: s.buffer + add });
      }
    }
    // While a prompt is open it takes every key.
    return true;
  };

  let view: PromptView | null = null;
  if (state?.phase === 'confirm') view = { phase: 'confirm', question: state.spec.confirm!(state.values) };
  else if (state) {
    const f = state.spec.fields![state.step]!;
    view = { phase: 'field', label: f.label, buffer: state.buffer, optional: !!f.optional, choices: f.choices, choice: state.choice };
  }
  return { view, ask, active: state !== null, handleKey };
}

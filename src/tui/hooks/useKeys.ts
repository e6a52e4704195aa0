import { type Key, useStdin } from 'ink';
import { useEffect, useReducer, useRef } from 'react';
import { isTextRun, parseKey, splitKeys } from '../keys.js';

/**
 * Ink's useInput for every key of a chunk, not only the first: the terminal's reads are
 * split into keys (src/tui/keys.ts) and handed to `handler` one at a time, each after the
 * render of the one before, so the second Down moves from where the first one left the
 * selection. A run of printable text goes whole to a handler that `takesText()` (a prompt's
 * text field: a paste is one edit), else character by character.
 */
export function useKeys(handler: (input: string, key: Key) => void, takesText: () => boolean): void {
  const { setRawMode, internal_eventEmitter: events, internal_exitOnCtrlC: exitOnCtrlC } = useStdin();
  const latest = useRef({ handler, takesText });
  latest.current = { handler, takesText };
  const queue = useRef<string[]>([]);
  // Bumped to render between two keys of a chunk; the effect below then takes the next.
  const [turn, next] = useReducer((n: number) => n + 1, 0);

  const step = useRef(() => {
    const q = queue.current;
    let k = q.shift();
    if (k === undefined) return;
    if (isTextRun(k) && !latest.current.takesText()) {
      const [first, ...rest] = [...k];
      if (rest.length) q.unshift(rest.join(''));
      k = first!;
    }
    const { input, key } = parseKey(k);
    try {
      latest.current.handler(input, key);
    } finally {
      if (q.length) next();
    }
  });

  useEffect(() => {
    setRawMode(true);
    return () => setRawMode(false);
  }, [setRawMode]);

  useEffect(() => {
    const onInput = (data: unknown) => {
      const chunk = String(data);
      // Ink itself exits on a lone Ctrl+C when asked to (useInput then stays silent too).
      if (chunk === '\x03' && exitOnCtrlC) return;
      const idle = queue.current.length === 0;
      queue.current.push(...splitKeys(chunk));
      if (idle) step.current();
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
    };
  }, [events, exitOnCtrlC]);

  useEffect(() => {
    if (turn) step.current();
  }, [turn]);
}

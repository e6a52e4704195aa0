import { useStdout } from 'ink';
import { useEffect, useRef } from 'react';
import type { DataSource } from '../source.js';

/** BEL: the terminal rings (or flashes, as its user set it); it moves no cursor, so Ink's frame stays as drawn. */
export const BEL = '\x07';
/** However many alerts come at once (several hosts, a burst), one ring per this long. */
const BELL_GAP_MS = 2000;

/**
 * Rings the terminal bell on the supervisor's notifications (those agor.yaml gives the bell),
 * written to Ink's stdout beside the frame rather than printed in the layout.
 */
export function useBell(source: DataSource, on: boolean): void {
  const { stdout } = useStdout();
  const last = useRef(0);
  useEffect(() => {
    if (!on || !source.onAlert) return;
    return source.onAlert((a) => {
      const now = Date.now();
      if (!a.bell || now - last.current < BELL_GAP_MS) return;
      last.current = now;
      stdout.write(BEL);
    });
  }, [source, on, stdout]);
}

import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface Size {
  columns: number;
  rows: number;
}

/** The terminal's size, updated live on 'resize' (80x24 when the stream does not say). */
export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const get = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(get);
  useEffect(() => {
    const onResize = () => {
      const next = get();
      setSize((prev) => (prev.columns === next.columns && prev.rows === next.rows ? prev : next));
    };
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
    // `get` is left out on purpose: it is a new closure each render and reads only `stdout`.
  }, [stdout]);
  return size;
}

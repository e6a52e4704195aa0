import { useEffect, useRef, useState } from 'react';

/**
 * The current time, ticking every `ms` while `active`: only the components that show
 * timers (uptime, stall timers) use it, so a tick re-renders them and nothing else.
 *
 * With `shown`, a tick re-renders only when what the timers would show at the new time
 * differs from what the last frame showed (`shown` maps a time to that text, and may read
 * fresher data than the frame had): a fleet whose timers read in minutes or hours costs a
 * frame a minute, not one every tick. A frame is most of an idle dashboard's CPU.
 */
export function useClock(ms = 1000, active = true, shown?: (now: number) => string): number {
  const [now, setNow] = useState(() => Date.now());
  const latest = useRef(shown);
  latest.current = shown;
  // What this render shows, for the next tick to compare with.
  const drawn = useRef<string | undefined>(undefined);
  drawn.current = shown?.(now);
  useEffect(() => {
    if (!active) return;
    const tick = () => {
      const t = Date.now();
      const f = latest.current;
      if (!f || f(t) !== drawn.current) setNow(t);
    };
    setNow(Date.now());
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return now;
}

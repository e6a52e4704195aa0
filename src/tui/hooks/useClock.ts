import { useEffect, useState } from 'react';

/**
 * The current time, ticking every `ms` while `active`: only the components that show
 * timers (uptime, stall timers) use it, so a tick re-renders them and nothing else.
 */
export function useClock(ms = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}

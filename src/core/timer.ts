/** The longest delay setTimeout honours; above it Node fires after 1 ms (with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: longer ones are a chain of timers, each at most MAX_TIMER_MS,
 * so `btmsg wait --timeout 25d` waits 25 days instead of returning at once. The timers are
 * unref'd (they never keep the process alive on their own). Returns a cancel function.
 */
export function longTimeout(fn: () => void, ms: number): () => void {
  const end = Date.now() + ms;
  let timer: NodeJS.Timeout | undefined;
  const arm = (left: number) => {
    timer = setTimeout(
      () => {
        const rest = end - Date.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
    timer.unref();
  };
  if (!Number.isFinite(ms)) return () => undefined; // forever: nothing to arm
  arm(ms);
  return () => clearTimeout(timer);
}

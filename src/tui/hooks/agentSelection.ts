import type { Key } from 'ink';
import type { FleetAgent } from '../source.js';
import { clamp } from '../format.js';

/**
 * The selected agent of the Fleet, Runs and Logs views. The app holds the choice so the
 * three views share it; when there is none yet, or that agent left the fleet, the first
 * agent is the selection. Returns its index and a key handler for up/down/page keys
 * (true when it took the key).
 */
export function agentSelection(
  fleet: FleetAgent[],
  agent: string | null,
  setAgent: (id: string | null) => void,
  page: number,
): { idx: number; onKey: (input: string, key: Key) => boolean } {
  const idx = Math.max(
    0,
    fleet.findIndex((a) => a.id === agent),
  );
  const onKey = (_input: string, key: Key): boolean => {
    if (!fleet.length) return false;
    let n = idx;
    if (key.upArrow) n -= 1;
    else if (key.downArrow) n += 1;
    else if (key.pageUp) n -= Math.max(1, page);
    else if (key.pageDown) n += Math.max(1, page);
    else return false;
    n = clamp(n, 0, fleet.length - 1);
    if (n !== idx || agent !== fleet[n]!.id) setAgent(fleet[n]!.id);
    return true;
  };
  return { idx, onKey };
}

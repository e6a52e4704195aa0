import type { Key } from 'ink';
import { type MutableRefObject, createContext, useContext } from 'react';
import type { Task } from '../../task/views.js';

export type KeyHandler = (input: string, key: Key) => void;

/** The task the board's actions apply to. */
export type TaskRef = Pick<Task, 'id' | 'title' | 'status' | 'assigned_to'>;

/**
 * What the view on screen offers the app: its keys, and the agent or task that the
 * app's actions (s x r w m, v c) apply to.
 */
export interface ViewSlot {
  keys?: KeyHandler;
  agent?: string | null;
  task?: TaskRef | null;
  /** The selected approval request (`ref` as approve and deny take it). */
  approval?: { ref: string; agent: string; action: string } | null;
  /** The selected conflict (`ref` as ackConflict takes it). */
  conflict?: { ref: string; kind: string; agents: string[]; files: string[] } | null;
}

export const ViewSlotContext = createContext<MutableRefObject<ViewSlot>>({ current: {} });

/**
 * Fills the app's view slot during render. The app has the only input listener and routes
 * each key (prompt first, then help, global keys, actions, the view): with one listener a
 * key is handled exactly once, and always by the handler of the latest render, however
 * fast keys arrive (several listeners re-subscribed in effects would race).
 */
export function useViewSlot(slot: ViewSlot): void {
  const ref = useContext(ViewSlotContext);
  ref.current = slot;
}

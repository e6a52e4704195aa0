import type { Alert } from './source.js';

/** Hands a supervisor's `notify` event (local socket or relay) to the dashboard's alert listeners (the bell). */
export function alertOf(listeners: ReadonlySet<(a: Alert) => void>, ev: { event: string } & Partial<Record<string, unknown>>): void {
  const a: Alert = {
    kind: String(ev.kind ?? ''),
    agent: typeof ev.agent === 'string' ? ev.agent : null,
    title: String(ev.title ?? ''),
    body: String(ev.body ?? ''),
    bell: ev.bell === true,
  };
  for (const l of listeners) l(a);
}

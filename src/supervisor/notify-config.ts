import { type Node, isMap, isScalar, isSeq } from 'yaml';
import { durationMs, formatDuration } from '../core/durations.js';
import { type Ctx, entries, fail, isEmpty, oneOf } from './yaml.js';

/** What can raise a notification (desktop and dashboard bell). */
export const NOTIFY_EVENTS = ['agent_failed', 'stall', 'limit', 'budget', 'approval', 'conflict'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** N notifications per window. */
export interface Rate {
  count: number;
  perMs: number;
}

/** `notify:` in agor.yaml. */
export interface NotifyConfig {
  /** Desktop notifications: 'auto' sends them when a notification service answers, true also logs why when none does. */
  desktop: 'auto' | boolean;
  /** Whether dashboards ring the terminal bell. */
  bell: boolean;
  events: Record<NotifyEvent, boolean>;
  /** Per (event, agent): a crash loop is one notification per window, with a count of the rest after it. */
  rate: Rate;
  /** Over all events and agents together. */
  total: Rate;
}

const ALL_ON = Object.fromEntries(NOTIFY_EVENTS.map((e) => [e, true])) as Record<NotifyEvent, boolean>;

export const DEFAULT_NOTIFY: NotifyConfig = {
  desktop: 'auto',
  bell: true,
  events: ALL_ON,
  rate: { count: 1, perMs: 60_000 },
  total: { count: 10, perMs: 60_000 },
};

/** Everything off (`notify: off`). */
export const NOTIFY_OFF: NotifyConfig = {
  ...DEFAULT_NOTIFY,
  desktop: false,
  bell: false,
  events: Object.fromEntries(NOTIFY_EVENTS.map((e) => [e, false])) as never,
};

const WORDS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};
const RATE_HINT = 'N/WINDOW, e.g. 1/min, 3/10m, 1/h';

/** "1/min", "3/10m", "2/hour" -> a Rate; undefined when the text is not one. */
export function parseRate(text: string): Rate | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const perMs = WORDS[unit] ?? durationMs(unit);
  const count = Number(m[1]);
  if (!perMs || !Number.isInteger(count) || count < 1 || count > 1000) return undefined;
  return { count, perMs };
}

/** A Rate as agor.yaml writes it ("1/1m"). */
export const formatRate = (r: Rate): string => `${r.count}/${formatDuration(r.perMs)}`;

function rate(ctx: Ctx, node: Node | null | undefined, key: string): Rate {
  const v = isScalar(node) ? node.value : undefined;
  const r = typeof v === 'string' ? parseRate(v) : undefined;
  if (!r) fail(ctx, node, key, `must be a rate like 1/min (got ${JSON.stringify(v)})`, RATE_HINT);
  if (r.perMs < 1000 || r.perMs > 86_400_000) fail(ctx, node, key, 'its window must be between 1s and 1d', RATE_HINT);
  return r;
}

function onOff(ctx: Ctx, node: Node | null | undefined, key: string): boolean {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'boolean') return v;
  return oneOf(ctx, node, key, ['on', 'off'] as const) === 'on';
}

/** `events:` as a mapping (event: on/off, the rest on) or a list (those events only). */
function events(ctx: Ctx, node: Node | null | undefined, key: string): Record<NotifyEvent, boolean> {
  if (!node || isEmpty(node)) return { ...ALL_ON };
  if (isSeq(node)) {
    const out = Object.fromEntries(NOTIFY_EVENTS.map((e) => [e, false])) as Record<NotifyEvent, boolean>;
    node.items.forEach((n, i) => (out[oneOf(ctx, n as Node, `${key}[${i}]`, NOTIFY_EVENTS)] = true));
    return out;
  }
  if (!isMap(node)) fail(ctx, node, key, `must map events to on/off or list them`, `events: ${NOTIFY_EVENTS.join(', ')}`);
  const out = { ...ALL_ON };
  for (const [name, pair] of entries(ctx, node, key, NOTIFY_EVENTS)) out[name as NotifyEvent] = onOff(ctx, pair.value, `${key}.${name}`);
  return out;
}

/**
 * Parses `notify:`: absent means the defaults (desktop when a service answers, the bell,
 * every event, 1/min per event and agent, 10/min in all); `notify: off` turns it all off.
 */
export function parseNotify(ctx: Ctx, node: Node | null | undefined): NotifyConfig {
  if (!node || isEmpty(node)) return DEFAULT_NOTIFY;
  if (isScalar(node)) return onOff(ctx, node, 'notify') ? DEFAULT_NOTIFY : NOTIFY_OFF;
  const e = entries(ctx, node, 'notify', ['desktop', 'bell', 'events', 'rate', 'total']);
  const get = (k: string) => e.get(k)?.value;
  const d = get('desktop');
  let desktop: NotifyConfig['desktop'] = 'auto';
  if (d && isScalar(d) && typeof d.value === 'boolean') desktop = d.value;
  else if (d) desktop = ({ auto: 'auto', on: true, off: false } as const)[oneOf(ctx, d, 'notify.desktop', ['auto', 'on', 'off'] as const)];
  return {
    desktop,
    bell: get('bell') ? onOff(ctx, get('bell'), 'notify.bell') : true,
    events: events(ctx, get('events'), 'notify.events'),
    rate: get('rate') ? rate(ctx, get('rate'), 'notify.rate') : DEFAULT_NOTIFY.rate,
    total: get('total') ? rate(ctx, get('total'), 'notify.total') : DEFAULT_NOTIFY.total,
  };
}

import { color } from '../../cli/color.js';
import { agoSeconds, table } from '../../cli/output.js';
import type { AgentView } from '../../msg/agents.js';

const LIVE: Record<string, (s: string) => string> = {
  alive: (s) => color().green(s),
  stale: (s) => color().red(s),
  none: (s) => color().dim(s),
};

export function heartbeatText(a: AgentView, now = Math.floor(Date.now() / 1000)): string {
  if (a.heartbeat === null) return LIVE.none!('no heartbeat');
  return LIVE[a.liveness]!(`${a.liveness} ${agoSeconds(now - a.heartbeat)}`);
}

/** The agent table of `status` and `contacts`. */
export function agentTable(agents: AgentView[], withUnread: boolean): string[] {
  const c = color();
  const head = ['AGENT', 'ROLE', 'TIER', 'GROUP', 'HEARTBEAT', ...(withUnread ? ['UNREAD'] : []), 'NAME'].map((h) => c.dim(h));
  return table([
    head,
    ...agents.map((a) => [
      c.bold(a.id),
      a.role,
      String(a.tier),
      a.group,
      heartbeatText(a) + (a.managed ? c.dim(' (agor)') : ''),
      ...(withUnread ? [a.unread ? c.yellow(String(a.unread)) : '0'] : []),
      a.name,
    ]),
  ]);
}

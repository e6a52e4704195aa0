import { UserError } from '../core/errors.js';
import type { ReloadNotice } from './reload-notice.js';
import type { Alert, ApprovalItem, AuditFilter, ConnState, DataSource, FleetAgent, HostInfo, LogTail, SupervisorStatus, Activity } from './source.js';

/** One host of the dashboard: its name (`local`, or a name of hosts.yaml) and its source. */
export interface NamedSource {
  name: string;
  source: DataSource;
}

const CONNECTED: ConnState = { state: 'connected', since: 0 };

/** What the dashboard says of a host that cannot be reached, for a refused action. */
export function connWords(c: ConnState): string {
  if (c.state === 'reconnecting') return 'reconnecting';
  if (c.state === 'refused') return `refused (${c.error})`;
  return c.state;
}

/**
 * The dashboard's source over several hosts, local and remote. The fleet is every host's
 * agents, in host order, each named `host/agent`; agent actions go to the host their id
 * names, with the bare id. Board, task, feed, dead letters and audit ids are per host, so
 * those read the selected host (selectHost), as do the writes that name a task.
 */
export class MultiSource implements DataSource {
  private selected: NamedSource;
  private readonly listeners = new Set<() => void>();
  private readonly offs: (() => void)[];
  private readonly reloadSeqs = new Map<string, number>();
  private reload: ReloadNotice | null = null;

  constructor(private readonly parts: NamedSource[]) {
    if (!parts.length) throw new Error('MultiSource needs at least one host');
    this.selected = parts[0]!;
    this.offs = parts.map((p) => p.source.subscribe(() => this.notify()));
  }

  /** The selected host and where its data comes from: the title bar shows it. */
  get label(): string {
    return `host ${this.selected.name}: ${this.selected.source.label}`;
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Every host's alerts, each agent named host/agent. */
  onAlert(onAlert: (a: Alert) => void): () => void {
    const offs = this.parts.map((p) => p.source.onAlert?.((a) => onAlert({ ...a, agent: a.agent === null ? null : `${p.name}/${a.agent}` })) ?? (() => undefined));
    return () => offs.forEach((off) => off());
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  hosts(): HostInfo[] {
    return this.parts.map((p) => ({ name: p.name, label: p.source.label, conn: p.source.connection?.() ?? CONNECTED }));
  }

  /** The newest reload any host announced, named by its host; each host's count of reloads tells which is new. */
  lastReload(): ReloadNotice | null {
    for (const p of this.parts) {
      const n = p.source.lastReload?.();
      if (!n || this.reloadSeqs.get(p.name) === n.seq) continue;
      this.reloadSeqs.set(p.name, n.seq);
      this.reload = { seq: (this.reload?.seq ?? 0) + 1, status: n.status, text: `${p.name}: ${n.text}` };
    }
    return this.reload;
  }

  selectedHost(): string {
    return this.selected.name;
  }

  selectHost(name: string): void {
    const p = this.parts.find((x) => x.name === name);
    if (!p || p === this.selected) return;
    this.selected = p;
    this.notify();
  }

  /** The host part of `host/agent` and the bare agent id; an id without a known host is refused. */
  private route(id: string): { part: NamedSource; agent: string } {
    const slash = id.indexOf('/');
    const part = slash > 0 ? this.parts.find((p) => p.name === id.slice(0, slash)) : undefined;
    if (!part)
      throw new UserError(`${id} names no host of this dashboard`, `agent ids here are host/agent, with a host of: ${this.parts.map((p) => p.name).join(', ')}`);
    return { part, agent: id.slice(slash + 1) };
  }

  /** The part, refusing a host that is out of reach: nothing is sent to it. */
  private reachable(part: NamedSource): DataSource {
    const c = part.source.connection?.();
    if (c && c.state !== 'connected')
      throw new UserError(`${part.name} is ${connWords(c)}: nothing was sent`, 'the dashboard reconnects on its own; try again once it says connected');
    return part.source;
  }

  /** The selected host's link (the title bar says when it is out of reach); absent for a local host. */
  connection(): ConnState {
    return this.selected.source.connection?.() ?? CONNECTED;
  }

  supervisor(): SupervisorStatus {
    return this.selected.source.supervisor();
  }

  fleet(): FleetAgent[] {
    const out: FleetAgent[] = [];
    for (const p of this.parts) {
      const c = p.source.connection?.();
      const lost = !!c && c.state !== 'connected';
      for (const a of p.source.fleet()) out.push({ ...a, id: `${p.name}/${a.id}`, agent_id: a.id, host: p.name, lost });
    }
    return out;
  }

  activity(): ReadonlyMap<string, Activity> {
    const out = new Map<string, Activity>();
    for (const p of this.parts) for (const [id, t] of p.source.activity?.() ?? []) out.set(`${p.name}/${id}`, t);
    return out;
  }

  board() {
    return this.selected.source.board();
  }

  task(id: string) {
    return this.selected.source.task(id);
  }

  taskHistory(id: string) {
    return this.selected.source.taskHistory?.(id) ?? null;
  }

  feed(limit: number) {
    return this.selected.source.feed(limit);
  }

  deadLetters(limit: number) {
    return this.selected.source.deadLetters(limit);
  }

  /** The runs of `host/agent` from its host; without an agent, the selected host's. */
  runs(agent: string | null, limit: number) {
    if (agent === null) return this.selected.source.runs(null, limit);
    const r = this.route(agent);
    return r.part.source.runs(r.agent, limit);
  }

  audit(f: AuditFilter) {
    return this.selected.source.audit(f);
  }

  logTail(agent: string, lines: number): LogTail {
    const r = this.route(agent);
    return { ...r.part.source.logTail(r.agent, lines), agent };
  }

  /** Every host's pending approval requests, each named `host/id`. */
  approvals(): ApprovalItem[] {
    return this.parts.flatMap((p) => (p.source.approvals?.() ?? []).map((a) => ({ ...a, ref: `${p.name}/${a.ref}`, host: p.name })));
  }

  async approve(ref: string, note?: string) {
    const r = this.route(ref);
    const s = this.reachable(r.part);
    if (!s.approve) throw new UserError(`${r.part.name} cannot decide approvals`);
    await s.approve(r.agent, note);
  }

  async deny(ref: string, note?: string) {
    const r = this.route(ref);
    const s = this.reachable(r.part);
    if (!s.deny) throw new UserError(`${r.part.name} cannot decide approvals`);
    await s.deny(r.agent, note);
  }

  /** Sends each host its own agents, all hosts at once. */
  private async each(agents: string[], act: (s: DataSource, ids: string[]) => Promise<void>): Promise<void> {
    const by = new Map<NamedSource, string[]>();
    for (const id of agents) {
      const r = this.route(id);
      by.set(r.part, [...(by.get(r.part) ?? []), r.agent]);
    }
    const sources = [...by].map(([part, ids]) => [this.reachable(part), ids] as const);
    await Promise.all(sources.map(([s, ids]) => act(s, ids)));
  }

  start(agents: string[]) {
    return this.each(agents, (s, ids) => s.start(ids));
  }

  stop(agents: string[]) {
    return this.each(agents, (s, ids) => s.stop(ids));
  }

  restart(agents: string[]) {
    return this.each(agents, (s, ids) => s.restart(ids));
  }

  async wake(agent: string, reason: string) {
    const r = this.route(agent);
    await this.reachable(r.part).wake(r.agent, reason);
  }

  /** To `host/agent` on that host; to a bare id (or a channel) on the selected host. */
  async send(to: string, text: string) {
    const slash = to.indexOf('/');
    const part = slash > 0 ? this.parts.find((p) => p.name === to.slice(0, slash)) : undefined;
    if (part) await this.reachable(part).send(to.slice(slash + 1), text);
    else await this.reachable(this.selected).send(to, text);
  }

  async moveTask(id: string, state: string, comment?: string) {
    await this.reachable(this.selected).moveTask(id, state, comment);
  }

  async comment(id: string, text: string) {
    await this.reachable(this.selected).comment(id, text);
  }

  close(): void {
    for (const off of this.offs) off();
    for (const p of this.parts) p.source.close();
  }
}

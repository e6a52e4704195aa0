import { render } from 'ink';
import { App } from './app.js';
import type { DashHost } from './hosts.js';
import { LocalSource } from './local.js';
import { MultiSource } from './multi.js';
import type { DataSource } from './source.js';

export interface DashboardOptions {
  /** This machine's database, for the `local` host. */
  dbPath: string;
  /** The hosts to show, in order (default: `local` alone). */
  hosts?: DashHost[];
  /** Ring the terminal bell on the supervisor's notifications (default: on; `b` toggles it). */
  bell?: boolean;
}

/** The source of one host: the local database, or a relay reached through a link that reconnects on its own. */
async function sourceOf(h: DashHost, dbPath: string): Promise<DataSource> {
  const target = h.target;
  if (!target) return new LocalSource(dbPath);
  const [{ ReconnectingRelay }, { RemoteSource }] = await Promise.all([import('../relay/client.js'), import('./remote.js')]);
  return new RemoteSource(target.url, (handlers) => new ReconnectingRelay(target, handlers));
}

/**
 * Shows the dashboard on this terminal until the user leaves it (q). Leaving never
 * stops the agents: they belong to the supervisor, not to the dashboard. One host shows
 * as it always has; several show in one dashboard, each agent as host/agent.
 */
export async function runDashboard(o: DashboardOptions): Promise<void> {
  const hosts = o.hosts?.length ? o.hosts : [{ name: 'local', target: null }];
  const parts = await Promise.all(hosts.map(async (h) => ({ name: h.name, source: await sourceOf(h, o.dbPath) })));
  const source = parts.length === 1 ? parts[0]!.source : new MultiSource(parts);
  try {
    const app = render(<App source={source} bell={o.bell ?? true} />, { exitOnCtrlC: true });
    await app.waitUntilExit();
  } finally {
    source.close();
  }
}

// For the benchmark (npm run bench, section 9), which measures this module as it ships in
// dist/tui.mjs: the same Ink, React, App and source the dashboard runs with.
export { App } from './app.js';
export { LocalSource } from './local.js';
export { render } from 'ink';
export { createElement } from 'react';

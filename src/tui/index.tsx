import { render } from 'ink';
import { App } from './app.js';
import { LocalSource } from './local.js';

export interface DashboardOptions {
  dbPath: string;
}

/**
 * Shows the dashboard on this terminal until the user leaves it (q). Leaving never
 * stops the agents: they belong to the supervisor, not to the dashboard.
 */
export async function runDashboard(o: DashboardOptions): Promise<void> {
  const source = new LocalSource(o.dbPath);
  try {
    const app = render(<App source={source} />, { exitOnCtrlC: true });
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

import { usage } from '../core/errors.js';
import type { RelayTarget } from '../relay/client.js';
import { LOCAL_HOST, hostTarget, listHosts } from '../relay/hosts.js';

/** A host of the dashboard: this machine's database (no target), or a relay. */
export interface DashHost {
  name: string;
  target: RelayTarget | null;
}

/**
 * The hosts `agor dash --host … | --all` names, in order, each once; none means this
 * machine's database alone. An unknown host is refused (exit 3) with the hint to list them.
 */
export async function dashHosts(o: { names: string[]; all: boolean; env?: NodeJS.ProcessEnv }): Promise<DashHost[]> {
  if (o.all && o.names.length) throw usage('--all and --host together', '--all shows every host of hosts.yaml and this machine; --host picks some');
  const names = o.all ? [LOCAL_HOST, ...(await listHosts(o.env)).map((h) => h.name)] : o.names.length ? o.names : [LOCAL_HOST];
  const out: DashHost[] = [];
  for (const name of new Set(names)) out.push({ name, target: name === LOCAL_HOST ? null : await hostTarget(name, o.env) });
  return out;
}

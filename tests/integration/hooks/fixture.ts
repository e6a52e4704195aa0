import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AGOR, BTMSG, type Group } from '../agor/fixture.js';
import { waitFor } from '../../helpers/wait.js';

/** What one hook invocation saw: its stdin JSON and the variables hooks are given. */
export interface Seen {
  stdin: Record<string, unknown>;
  env: Record<string, string | undefined>;
  cwd: string;
  pid: number;
}

const VARS = [
  'AGOR_EVENT',
  'AGOR_AGENT',
  'AGOR_RUN_ID',
  'AGOR_OUTCOME',
  'TASK_ID',
  'OLD_STATUS',
  'NEW_STATUS',
  'AGOR_APPROVAL_ID',
  'AGOR_DB',
  'AGOR_GROUP',
  'BTMSG_AGENT_ID',
  'DBUS_SESSION_BUS_ADDRESS',
];

/** A hook program (node) that appends what it saw, as one JSON line, to `out`. */
export function recorder(g: Group): { argv: string[]; out: string; seen: () => Seen[] } {
  const script = join(g.dir, 'record.cjs');
  const out = join(g.dir, 'seen.jsonl');
  writeFileSync(
    script,
    `const fs = require('fs');
let s = '';
process.stdin.on('data', (d) => (s += d)).on('end', () => {
  const env = {};
  for (const k of ${JSON.stringify(VARS)}) env[k] = process.env[k];
  fs.appendFileSync(${JSON.stringify(out)}, JSON.stringify({ stdin: JSON.parse(s), env, cwd: process.cwd(), pid: process.pid }) + '\\n');
});
`,
  );
  writeFileSync(out, '');
  const seen = () =>
    readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Seen);
  return { argv: [process.execPath, script], out, seen };
}

/** Waits until `pred` holds of what the hooks have seen. */
export const waitSeen = (what: string, seen: () => Seen[], pred: (s: Seen[]) => boolean, timeout = 10_000) =>
  waitFor(`hooks: ${what}`, seen, pred, { timeout, interval: 50 });

/** agor.yaml text with group-level `hooks` and agents given as the file spells them. */
export function hookYaml(hooks: Record<string, unknown>, agents: Record<string, Record<string, unknown>>, group = 'test'): string {
  const withEnv = Object.fromEntries(
    Object.entries(agents).map(([id, a]) => [id, { ...a, env: { T_NODE: process.execPath, T_AGOR: AGOR, T_BTMSG: BTMSG, ...((a.env as object) ?? {}) } }]),
  );
  return stringify({ group, hooks, agents: withEnv }, { aliasDuplicateObjects: false });
}

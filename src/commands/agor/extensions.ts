import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { yamlTeam } from '../../cli/completion-values.js';
import { myId } from '../../core/identity.js';
import { resolveDbPath } from '../../db/path.js';

/**
 * The environment of an `agor-NAME` extension: agor's own, plus the database (absolute,
 * as agents get it), the agor.yaml of this directory ($AGOR_CONFIG, else ./agor.yaml)
 * and its group when it can be read, and the caller's identity (the operator, admin, at a
 * plain shell), so the extension's btmsg and bttask calls act for the same team.
 */
export async function extensionEnv(env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const out: NodeJS.ProcessEnv = { ...env, AGOR_DB: resolve(resolveDbPath(undefined, env).path), BTMSG_AGENT_ID: myId(env) };
  const config = resolve(env.AGOR_CONFIG || 'agor.yaml');
  if (existsSync(config)) {
    out.AGOR_CONFIG = config;
    const { group } = await yamlTeam(config);
    if (group) out.AGOR_GROUP = group;
  }
  return out;
}

/** Extensions: `agor-NAME` on PATH runs as `agor NAME`; agor-relay is agor's own program, not one. */
export const extensions = { env: () => extensionEnv(), skip: ['agor-relay', 'agor-sandbox'] };

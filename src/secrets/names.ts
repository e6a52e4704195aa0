import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { AGENT_ID } from '../core/identity.js';
import { UserError, usage } from '../core/errors.js';
import { SECRET_NAME } from './refs.js';

/** One secret an agent names: `name` in its environment, read from keyring item `from`. */
export interface SecretUse {
  name: string;
  from: string;
}

/** The group and, per agent, the secrets agor.yaml names. */
export interface ConfiguredSecrets {
  file: string;
  group: string;
  agents: { id: string; secrets: SecretUse[] }[];
}

const bad = (file: string, key: string, message: string): UserError =>
  usage(`${file}: ${key}: ${message}`, 'secrets: [GITHUB_TOKEN, { name: GH, from: GITHUB_TOKEN }] (environment variable names)');

/**
 * Reads the group and each agent's `secrets:` from agor.yaml, tolerating every other key
 * (agor.yaml's full checks belong to the supervisor's loadConfig).
 */
export function configuredSecrets(file?: string, cwd = process.cwd()): ConfiguredSecrets {
  const path = resolve(cwd, file ?? 'agor.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw usage(
        `no ${file ?? 'agor.yaml'} in ${file ? dirname(path) : cwd}`,
        file ? 'check the path given with -f' : 'create one with: agor init, or give the group with --group',
      );
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw usage(`${path}: ${doc.errors[0]!.message}`);
  const top = doc.toJS({ maxAliasCount: 100 }) as { group?: unknown; agents?: unknown } | null;
  const group = top?.group;
  if (typeof group !== 'string' || !AGENT_ID.test(group))
    throw usage(`${path}: group: is required (1-64 letters, digits, dot, dash or underscore)`, 'e.g. group: demo');
  const agents: ConfiguredSecrets['agents'] = [];
  const raw = top?.agents;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [id, a] of Object.entries(raw as Record<string, unknown>)) {
      const list = a && typeof a === 'object' ? (a as { secrets?: unknown }).secrets : undefined;
      if (list === undefined || list === null) {
        agents.push({ id, secrets: [] });
        continue;
      }
      if (!Array.isArray(list)) throw bad(path, `agents.${id}.secrets`, 'must be a list');
      agents.push({ id, secrets: list.map((s, i) => secretUse(path, `agents.${id}.secrets[${i}]`, s)) });
    }
  }
  return { file: path, group, agents };
}

function secretUse(file: string, key: string, s: unknown): SecretUse {
  const check = (v: unknown, k: string): string => {
    if (typeof v !== 'string' || !SECRET_NAME.test(v)) throw bad(file, k, `'${String(v)}' is not a secret name`);
    return v;
  };
  if (typeof s === 'string') return { name: check(s, key), from: s };
  if (s && typeof s === 'object' && !Array.isArray(s)) {
    const o = s as { name?: unknown; from?: unknown };
    const name = check(o.name, `${key}.name`);
    return { name, from: o.from === undefined ? name : check(o.from, `${key}.from`) };
  }
  throw bad(file, key, 'must be a name or { name, from }');
}

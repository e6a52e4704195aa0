import { type Node, isMap, isScalar, isSeq } from 'yaml';
import type { SecretSpec } from '../secrets/inject.js';
import { SECRET_NAME } from '../secrets/refs.js';
import { WITHHELD_ENV } from './spawn.js';
import { type Ctx, entries, fail, isEmpty } from './yaml.js';

export type { SecretSpec } from '../secrets/inject.js';

/**
 * Variables agor itself sets in a run, or keeps from it (the way to the keyring): a secret
 * by one of these names would be overwritten, or would hand the agent what agor withholds.
 */
const RESERVED = new Set(['BTMSG_AGENT_ID', 'TMPDIR', 'HOME', 'USER', 'LOGNAME', 'PATH', 'SSH_AUTH_SOCK', ...WITHHELD_ENV]);

const NAME_HINT = 'an environment variable name: capital letters, digits and _, not starting with a digit, at most 128 characters';

function secretName(ctx: Ctx, node: Node | null | undefined, key: string): string {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'string') fail(ctx, node, key, `must be a secret name (got ${JSON.stringify(v ?? null)})`, NAME_HINT);
  if (!SECRET_NAME.test(v)) {
    const upper = v.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    fail(ctx, node, key, `'${v}' is not a valid secret name`, SECRET_NAME.test(upper) ? `${NAME_HINT}, such as ${upper}` : NAME_HINT);
  }
  return v;
}

/**
 * Parses an agent's `secrets:`: a list of names (GITHUB_TOKEN) or `{ name, from }` (the
 * variable GH holds the keyring's GITHUB_TOKEN). Refuses a name given twice, one agor sets
 * itself, and one the agent's `env:` sets too.
 */
export function parseSecrets(ctx: Ctx, node: Node | null | undefined, key: string, env: Record<string, string>): SecretSpec[] {
  if (!node || isEmpty(node)) return [];
  if (!isSeq(node)) {
    fail(ctx, node, key, 'must be a list of secret names', 'e.g. secrets: [GITHUB_TOKEN, { name: GH, from: GITHUB_TOKEN }]; store each with agor secret set NAME');
  }
  const specs: SecretSpec[] = [];
  const lines = new Map<string, number>();
  node.items.forEach((item, i) => {
    const k = `${key}[${i}]`;
    let spec: SecretSpec;
    let nameNode: Node | null = item as Node;
    if (isMap(item)) {
      const e = entries(ctx, item as Node, k, ['name', 'from']);
      if (!e.get('name')) fail(ctx, item as Node, `${k}.name`, 'is required', 'the environment variable the agent sees, e.g. { name: GH, from: GITHUB_TOKEN }');
      nameNode = e.get('name')!.value;
      const name = secretName(ctx, nameNode, `${k}.name`);
      spec = { name, from: e.get('from') ? secretName(ctx, e.get('from')!.value, `${k}.from`) : name };
    } else {
      const name = secretName(ctx, nameNode, k);
      spec = { name, from: name };
    }
    const { name } = spec;
    if (name.startsWith('AGOR_') || RESERVED.has(name)) {
      fail(
        ctx,
        nameNode,
        k,
        `${name} is a variable agor sets itself (or keeps from agents)`,
        `give it another name in the run: { name: OTHER, from: ${spec.from} }`,
      );
    }
    if (Object.hasOwn(env, name)) fail(ctx, nameNode, k, `${name} is also set by env:`, 'keep one: the secret, or the plain value in env:');
    if (lines.has(name)) fail(ctx, nameNode, k, `${name} is named twice (first at ${key}[${lines.get(name)}])`, 'each variable holds one secret');
    lines.set(name, i);
    specs.push(spec);
  });
  return specs;
}

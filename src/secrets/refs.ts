import { usage } from '../core/errors.js';

/** Where a secret lives: a group, and one agent of it or (null) the whole group. */
export interface SecretRef {
  group: string;
  agent: string | null;
  name: string;
}

/** Secret names are environment variable names: they become one in the agent's run. */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

/** Throws a usage error unless `name` is a valid secret name. */
export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name))
    throw usage(`invalid secret name '${name}'`, 'use an environment variable name: capital letters, digits and _, not starting with a digit (e.g. GITHUB_TOKEN)');
}

/** Keyring item naming: two groups on one machine never share an item. */
export const serviceOf = (ref: SecretRef): string => `agor:${ref.group}`;
export const accountOf = (ref: SecretRef): string => `${ref.agent ?? '*'}/${ref.name}`;

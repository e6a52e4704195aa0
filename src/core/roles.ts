/** Roles and their default tiers: admin 0; manager, architect, tester, reviewer 1; project 2. */
export const ROLE_TIERS = {
  admin: 0,
  manager: 1,
  architect: 1,
  tester: 1,
  reviewer: 1,
  project: 2,
} as const;
export type Role = keyof typeof ROLE_TIERS;
const ROLES = Object.keys(ROLE_TIERS) as Role[];

export const isRole = (s: string): s is Role => Object.prototype.hasOwnProperty.call(ROLE_TIERS, s);

/** The built-in operator: tier 0, may message anyone, anyone may message it. */
export const ADMIN = 'admin';

/** The roles an agent may take: all but the operator's. */
export type WorkerRole = Exclude<Role, typeof ADMIN>;
export const WORKER_ROLES = ROLES.filter((r): r is WorkerRole => r !== ADMIN);

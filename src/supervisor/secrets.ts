/**
 * The secrets of runs: read from the keyring as each run starts, only for agents that
 * name some, handed back as the variables of the run, and held in memory (never written
 * anywhere) so that what agor shows of a run can be scrubbed of them.
 */
import { UserError } from '../core/errors.js';
import { type NamedSecret, missingNote, resolveRunSecrets, systemNote } from '../secrets/inject.js';
import type { SecretRef } from '../secrets/refs.js';
import { formatSecretRefs } from '../secrets/scrub-run.js';
import type { AgentConfig } from './config.js';

export type { NamedSecret };

/** What the supervisor needs of the keyring: SecretStore's get. */
export interface Keyring {
  get(ref: SecretRef): string | null;
}

/** How many runs' values are held for the scrubber: far above a day of runs, far below harm. */
const HELD_RUNS = 2000;
/** After the keyring failed the scrubber, how long before it is asked again (the scrubber may ask per read). */
const SCRUB_RETRY_MS = 30_000;

/** For one run: the variables to add to its environment, or why it must not start. */
export interface RunSecretsFor {
  env: Record<string, string>;
  /** The items read, names and scopes only, as the run's record keeps them (null: none). */
  refs: string | null;
  refusal: string | null;
}

export class Secrets {
  private store: Keyring | null = null;
  private module: { SecretStore: { open(): Keyring } } | null = null;
  private loadError: string | null = null;
  private readonly held = new Map<string, NamedSecret[]>();
  private scrubRetryAt = 0;

  /**
   * `isSystem` tells, from the database's metadata, whether an item is agor's own (category
   * system), which no run is handed.
   */
  constructor(
    private readonly group: string,
    private readonly isSystem: (ref: SecretRef) => boolean = () => false,
  ) {}

  /**
   * Loads the keyring store when an agent names secrets; a group without any never loads
   * it, so it needs no keyring, no D-Bus and no native module of the keyring library.
   */
  async load(agents: readonly AgentConfig[]): Promise<void> {
    if (this.module || !agents.some((a) => a.secrets.length)) return;
    try {
      this.module = await import('../secrets/store.js');
    } catch (err) {
      this.loadError = `the keyring library could not be loaded: ${(err as Error).message}`;
    }
  }

  /** The open keyring; opened again after a failure, so unlocking it later is enough. */
  private open(): Keyring {
    if (this.store) return this.store;
    if (!this.module) throw new UserError(this.loadError ?? 'the keyring library is not loaded');
    return (this.store = this.module.SecretStore.open());
  }

  /** Reads the secrets of a run of `a` (none asked for: none read) and holds their values under `runId`. */
  forRun(a: AgentConfig, runId: string): RunSecretsFor {
    if (!a.secrets.length) return { env: {}, refs: null, refusal: null };
    let r;
    try {
      const store = this.open();
      r = resolveRunSecrets((ref) => store.get(ref), this.group, a.id, a.secrets, this.isSystem);
    } catch (err) {
      this.store = null;
      return { env: {}, refs: null, refusal: unreachable(a, err) };
    }
    const why = [...(r.missing.length ? [missingNote(this.group, a.id, r.missing)] : []), ...(r.system.length ? [systemNote(a.id, r.system)] : [])];
    if (why.length) return { env: {}, refs: null, refusal: why.join('; ') };
    this.hold(runId, r.values);
    return { env: r.env, refs: formatSecretRefs(r.refs), refusal: null };
  }

  /**
   * The values a run was given, for the scrubber. A run this supervisor did not start (re-
   * adopted, or older) is read again from the keyring for `agent`; [] when it names no
   * secrets or the keyring cannot say (the scrubber's token shapes still apply).
   */
  of(runId: string, agent: () => AgentConfig | undefined): NamedSecret[] {
    const held = this.held.get(runId);
    if (held) return held;
    const a = agent();
    if (!a?.secrets.length || Date.now() < this.scrubRetryAt) return [];
    try {
      const store = this.open();
      const r = resolveRunSecrets((ref) => store.get(ref), this.group, a.id, a.secrets, this.isSystem);
      this.hold(runId, r.values);
      return r.values;
    } catch {
      this.store = null;
      this.scrubRetryAt = Date.now() + SCRUB_RETRY_MS;
      return [];
    }
  }

  private hold(runId: string, values: NamedSecret[]): void {
    this.held.set(runId, values);
    if (this.held.size > HELD_RUNS) this.held.delete(this.held.keys().next().value!);
  }
}

/** The note of a run whose keyring could not be read: the secrets, what is wrong and the fix. */
function unreachable(a: AgentConfig, err: unknown): string {
  const names = [...new Set(a.secrets.map((s) => s.from))].join(', ');
  const e = err as Error;
  const hint = err instanceof UserError && err.hint ? `; ${err.hint}` : '';
  return `the keyring could not be read for ${names}: ${e?.message ?? String(err)}${hint}`;
}

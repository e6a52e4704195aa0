/**
 * The scrubber of a run read where no supervisor holds its secrets (agor logs offline, the
 * dashboard): its record names the keyring items it was given, and their values are read
 * again from the keyring, which is opened only for runs that name some.
 */
import type { RunSecretRef } from './inject.js';
import type { SecretRef } from './refs.js';
import { SECRET_NAME } from './refs.js';
import { type NamedSecret, type Scrubber, makeScrubber, scrubShapes } from './scrub.js';

export type { RunSecretRef };

/** What is needed of the keyring: SecretStore's get. */
export interface KeyringReader {
  get(ref: SecretRef): string | null;
}

/** A run as far as its scrubber goes: its id, and runs.secret_refs. */
export interface RunSecretsRecord {
  id: string;
  secret_refs: string | null;
}

/** Runs' scrubbers kept; an older run's is made again (the keyring read again) when asked for. */
const KEEP = 64;
/** After the keyring failed, how long before it is asked again (the dashboard asks every second). */
const RETRY_MS = 30_000;

/**
 * SecretStore.open, or (the keyring library cannot be loaded) a function that throws why.
 * Loads the library's native module, which does not touch D-Bus until a store is opened.
 */
export async function keyringOpener(): Promise<() => KeyringReader> {
  try {
    const { SecretStore } = await import('./store.js');
    return () => SecretStore.open();
  } catch (err) {
    return () => {
      throw new Error(`the keyring library could not be loaded: ${(err as Error).message}`);
    };
  }
}

/** A run's record of its keyring items, as runs.secret_refs stores it (null: none). */
export function formatSecretRefs(refs: readonly RunSecretRef[]): string | null {
  return refs.length ? JSON.stringify(refs.map((r) => ({ env: r.env, name: r.name, agent: r.agent }))) : null;
}

/** The keyring items a run's record names; what is not a well-formed entry is left out. */
export function parseSecretRefs(text: string | null): RunSecretRef[] {
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (r): r is RunSecretRef =>
      !!r &&
      typeof r === 'object' &&
      typeof r.env === 'string' &&
      typeof r.name === 'string' &&
      SECRET_NAME.test(r.name) &&
      (r.agent === null || typeof r.agent === 'string'),
  );
}

/** Reads the values of `refs` of `group` (an item since removed is skipped); throws when the keyring does. */
export function readRunSecrets(store: KeyringReader, group: string, refs: readonly RunSecretRef[]): NamedSecret[] {
  const values: NamedSecret[] = [];
  for (const r of refs) {
    const value = store.get({ group, agent: r.agent, name: r.name });
    if (value !== null && !values.some((v) => v.value === value)) values.push({ name: r.env, value });
  }
  return values;
}

/**
 * Scrubbers for runs by their records: each run's own secret values and the token shapes,
 * cached per run id. When the keyring cannot be reached the scrubber is token shapes only
 * (never a failed read), `onUnreachable` is told once, and the keyring is asked again
 * after a while, so unlocking it is enough.
 */
export class RunScrubberCache {
  private readonly byRun = new Map<string, Scrubber>();
  private store: KeyringReader | null = null;
  private retryAt = 0;
  private told = false;

  /** `open` opens the keyring: SecretStore.open, or a thrower when its library is missing. */
  constructor(
    private readonly open: () => KeyringReader,
    private readonly onUnreachable: (err: unknown) => void = () => {},
  ) {}

  /** The scrubber for what `run` wrote, its items read from the keyring of `group`. */
  forRun(run: RunSecretsRecord, group: string): Scrubber {
    const cached = this.byRun.get(run.id);
    if (cached) return cached;
    const refs = parseSecretRefs(run.secret_refs);
    // Not kept: a starting run's record may gain its items a moment after its row appears.
    if (!refs.length) return scrubShapes;
    if (Date.now() < this.retryAt) return scrubShapes;
    try {
      this.store ??= this.open();
      const values = readRunSecrets(this.store, group, refs);
      return this.keep(run.id, values.length ? makeScrubber(values) : scrubShapes);
    } catch (err) {
      this.store = null;
      this.retryAt = Date.now() + RETRY_MS;
      if (!this.told) ((this.told = true), this.onUnreachable(err));
      return scrubShapes;
    }
  }

  private keep(runId: string, s: Scrubber): Scrubber {
    this.byRun.set(runId, s);
    if (this.byRun.size > KEEP) this.byRun.delete(this.byRun.keys().next().value!);
    return s;
  }
}

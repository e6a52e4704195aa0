/** Which scrubber the text of a run passes through: its own secrets (when known) and the token shapes. */
import { type NamedSecret, type Scrubber, makeScrubber, scrubShapes } from '../secrets/scrub.js';
import { type RunSecretsRecord, RunScrubberCache, keyringOpener } from '../secrets/scrub-run.js';

/**
 * The secrets handed to a run, by run id: null when not known (then only token shapes
 * are redacted). The supervisor's seam for the keyring: whoever injects a run's secrets
 * says here what they were.
 */
export type SecretsOf = (runId: string) => NamedSecret[] | null;

/** Scrubbers kept for the most recent runs; an older run's is made again when asked for. */
const KEEP = 64;

/** One scrubber per run, made on first use. */
export class RunScrubbers {
  private readonly byRun = new Map<string, Scrubber>();

  constructor(private readonly secretsOf: SecretsOf = () => null) {}

  /** The scrubber for what run `runId` wrote (token shapes only for no run). */
  forRun(runId: string | null): Scrubber {
    if (!runId) return scrubShapes;
    let s = this.byRun.get(runId);
    if (s) return s;
    const secrets = this.secretsOf(runId);
    s = secrets?.length ? makeScrubber(secrets) : scrubShapes;
    this.byRun.set(runId, s);
    if (this.byRun.size > KEEP) this.byRun.delete(this.byRun.keys().next().value!);
    return s;
  }

  /** Forgets a run's scrubber (its secrets changed, or it is gone). */
  forget(runId: string): void {
    this.byRun.delete(runId);
  }
}

/**
 * Scrubs a batch of log lines as one text, so a private key block spread over several
 * lines is seen whole; a redacted block comes back as one line.
 */
export function scrubLines(lines: string[], scrub: Scrubber): string[] {
  if (!lines.length) return lines;
  return scrub(lines.join('\n')).split('\n');
}

/**
 * Runs' scrubbers where no supervisor holds their secrets and reads must not wait (the
 * dashboard): each run's own values read again from the keyring its record names, once
 * per run, plus the token shapes. The keyring library is loaded, without waiting, on the
 * first run given secrets; until then such a run has no scrubber (null: show nothing of
 * it), and `loaded` is called when it has one.
 */
export class LazyRunScrubbers {
  private cache: RunScrubberCache | null = null;
  private loading = false;
  /** Set when the keyring could not be read: its values are not redacted, token shapes are. */
  note: string | null = null;

  constructor(private readonly loaded: () => void) {}

  /** The scrubber for `run` of an agent of `group`, or null while the keyring library loads. */
  forRun(run: RunSecretsRecord, group: string): Scrubber | null {
    if (!run.secret_refs) return scrubShapes;
    if (this.cache) return this.cache.forRun(run, group);
    if (!this.loading) {
      this.loading = true;
      void keyringOpener().then((open) => {
        // Short: it goes in a title line.
        this.cache = new RunScrubberCache(open, () => (this.note = 'keyring unreadable: values not redacted'));
        this.loaded();
      });
    }
    return null;
  }
}

import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type CheckContext, type CheckResult, claimsCheck, leaseCheck, messagesCheck, racesCheck, sandboxCheck } from './selftest-checks.js';
import { Procs } from './selftest-procs.js';

export type { CheckResult, Verdict } from './selftest-checks.js';

export interface SelftestOptions {
  claimers: number;
  tasks: number;
  races: number;
  senders: number;
  messages: number;
  /** Keep the temporary directory (its databases) for a look afterwards. */
  keep: boolean;
  /** A skipped check still lets the run be ok. */
  allowSkip: boolean;
  /** Where agor.cjs, btmsg.cjs and bttask.cjs are; default beside the running script. */
  binDir?: string;
  /** Aborting ends every process the run started and cleans up. */
  signal?: AbortSignal;
  /** Called as each check ends, for progress. */
  onCheck?: (c: CheckResult) => void;
}

export interface SelftestReport {
  checks: CheckResult[];
  /** Every check passed (or, with allowSkip, none failed). */
  ok: boolean;
  duration_ms: number;
  /** The temporary directory when kept, else null. */
  kept: string | null;
  interrupted: boolean;
}

/** The directory of the running binary, where its siblings are. */
export const binDirOf = (script = process.argv[1] ?? ''): string => dirname(realpathSync(script));

/**
 * Runs the self-test on databases in a fresh temporary directory, never the user's: claim
 * races, message senders, a lapsed lease and the sandbox, each with real processes of the
 * built binaries. Removes the directory (unless kept) and every process it started.
 */
export async function selftest(o: SelftestOptions): Promise<SelftestReport> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'agor-selftest-'));
  const env = { ...process.env };
  // The checks run on their own files whatever the caller's environment names.
  delete env.AGOR_DB;
  const procs = new Procs(o.binDir ?? binDirOf(), env);
  const stop = () => procs.stop();
  o.signal?.addEventListener('abort', stop, { once: true });
  const ctx: CheckContext = { procs, dir };
  const checks: CheckResult[] = [];
  const steps = [
    () => claimsCheck(ctx, o.claimers, o.tasks),
    () => racesCheck(ctx, o.races),
    () => messagesCheck(ctx, o.senders, o.messages),
    () => leaseCheck(ctx),
    () => sandboxCheck(ctx),
  ];
  try {
    for (const step of steps) {
      if (procs.interrupted) break;
      const c = await step();
      if (procs.interrupted) break;
      checks.push(c);
      o.onCheck?.(c);
    }
  } finally {
    procs.stop();
    o.signal?.removeEventListener('abort', stop);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  const interrupted = o.signal?.aborted ?? false;
  const ok = !interrupted && checks.length === steps.length && checks.every((c) => c.verdict === 'pass' || (o.allowSkip && c.verdict === 'skip'));
  return { checks, ok, duration_ms: Date.now() - t0, kept: o.keep ? dir : null, interrupted };
}

/**
 * Why a run failed, read from the end of its output and its exit status. A pure
 * function: the supervisor feeds it the last few KiB of the run's log.
 */
export type FailureKind = 'rate_limit' | 'auth' | 'quota' | 'overloaded' | 'network' | 'unknown' | 'sandbox' | 'limit' | 'secrets' | 'worktree';

// Checked in order: the first that matches wins. Quota before rate limit ("429 ... quota
// exceeded" is a quota), overloaded before network (a 529 is the service, not the link).
const RULES: [FailureKind, RegExp][] = [
  [
    'quota',
    /\b(quota (exceeded|exhausted|reached)|exceeded your (current )?quota|insufficient[_ ]quota|billing (hard )?limit|credit balance is too low|out of credits|usage limit reached|payment required|\b402\b)/i,
  ],
  [
    'auth',
    /\b(401|403)\b.{0,40}(unauthori[sz]ed|forbidden|invalid|auth)|\b(unauthori[sz]ed|forbidden|invalid (x-)?api[ _-]?key|authentication (failed|error|required)|not logged in|please (log|sign) ?in|token (has )?expired|permission denied \(publickey\)|invalid_api_key|oauth)\b/i,
  ],
  ['overloaded', /\b(529|503)\b|\boverloaded(_error)?\b|service unavailable|server is (busy|overloaded)|capacity (constraints|exceeded)|try again later/i],
  ['rate_limit', /\b429\b|rate[ _-]?limit(ed|_error)?|too many requests|slow down|requests per (minute|min|second)/i],
  [
    'network',
    /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|EPIPE)\b|getaddrinfo|could not resolve host|name or service not known|temporary failure in name resolution|network (is )?unreachable|connection (refused|reset|timed out)|socket hang up|TLS handshake|certificate (verify|has expired)/i,
  ],
];

export function classifyFailure(outputTail: string, exitCode: number | null, signal: string | null): FailureKind {
  for (const [kind, re] of RULES) if (re.test(outputTail)) return kind;
  // Conventional exit statuses of HTTP-ish CLIs carry no text to go on.
  if (signal === null && exitCode === 75) return 'overloaded'; // EX_TEMPFAIL
  if (signal === null && exitCode === 77) return 'auth'; // EX_NOPERM
  return 'unknown';
}

export interface RetryAdvice {
  retry: boolean;
  /** Multiplier on the agent's restart backoff. */
  backoffFactor: number;
}

/**
 * The retry rule for a failure: rate limits, overload and network trouble retry with
 * backoff (overload four times longer); auth and quota failures do not retry, because
 * trying again only burns attempts until a human acts, and neither does a sandbox the
 * kernel cannot set up, nor a run whose secrets the keyring lacks or cannot give; a run
 * ended by a limit retries, but four times slower, so a leak does not become a tight
 * loop; unknown follows the agent's restart policy.
 */
export function retryAdvice(kind: FailureKind): RetryAdvice {
  switch (kind) {
    case 'auth':
    case 'quota':
    case 'sandbox':
    case 'secrets':
    case 'worktree':
      return { retry: false, backoffFactor: 1 };
    case 'overloaded':
    case 'limit':
      return { retry: true, backoffFactor: 4 };
    default:
      return { retry: true, backoffFactor: 1 };
  }
}

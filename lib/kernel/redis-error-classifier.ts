/**
 * The one place that decides what a failed Redis call means: whether Redis is unusable right now
 * (an outage: the circuit breaker counts it) or a working server answered with an error, and which
 * bounded, non-secret reason labels it in metrics and logs.
 */
export type ErrorReason =
  | 'circuit_open'
  | 'connection'
  | 'timeout'
  | 'oom'
  | 'readonly'
  | 'loading'
  | 'cluster'
  | 'serialization'
  | 'other';

export interface ErrorClass {
  reason: ErrorReason;
  /** Redis cannot be used now (as opposed to a reply from a working server). */
  outage: boolean;
}

const REPLY_CLASSES: ReadonlyArray<[RegExp, ErrorClass]> = [
  [/^OOM/, { reason: 'oom', outage: false }],
  // Not an outage: a replica still serves reads; the failed write is reported and the client reconnects.
  [/^READONLY/, { reason: 'readonly', outage: false }],
  [/^LOADING/, { reason: 'loading', outage: true }],
  [/^(MASTERDOWN|CLUSTERDOWN|TRYAGAIN)/, { reason: 'cluster', outage: true }],
];

const CONNECTION_MESSAGE = /ECONNREFUSED|Connection is closed|connection is down|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EPIPE|max retries|writeable|not connected/i;

/** Classifies an error (or a CacheError's cause). Anything that is not an Error is an outage of unknown kind. */
export function classifyError(error: unknown): ErrorClass {
  const cause = (error as { cause?: unknown } | undefined)?.cause ?? error;
  if (!(cause instanceof Error)) return { reason: 'other', outage: true };
  if (cause.name === 'CircuitOpenError') return { reason: 'circuit_open', outage: true };
  if (cause.name === 'ReplyError') {
    for (const [pattern, found] of REPLY_CLASSES) if (pattern.test(cause.message)) return found;
    return { reason: 'other', outage: false }; // WRONGTYPE, NOSCRIPT, …: the server works
  }
  if (cause instanceof TypeError || cause instanceof SyntaxError) return { reason: 'serialization', outage: false };
  if (/timed? ?out/i.test(cause.message)) return { reason: 'timeout', outage: true };
  if (CONNECTION_MESSAGE.test(cause.message) || cause.name === 'ConnectionDownError') return { reason: 'connection', outage: true };
  // Anything else from the client (MaxRetriesPerRequestError, a cluster's "failed to refresh slots") means Redis did not answer.
  return { reason: 'other', outage: true };
}

/** A bounded, non-secret reason for an error label. */
export function errorReason(error: unknown): ErrorReason {
  return classifyError(error).reason;
}

/** Errors that mean "Redis is not usable right now", as opposed to a reply from a working server. */
export function isOutage(error: unknown): boolean {
  return classifyError(error).outage;
}

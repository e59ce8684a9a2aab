import { redactError, scrubSecrets } from './redact-error.js';

/** What a cache call was doing when it failed. */
export type CacheOperation =
  | 'configure'
  | 'connect'
  | 'get'
  | 'set'
  | 'invalidate'
  | 'has'
  | 'ttl'
  | 'getOrSet'
  | 'mget'
  | 'mset'
  | 'clear'
  | 'warm'
  | 'serialize'
  | 'deserialize';

/**
 * The one error type this package throws. Callers can test `instanceof CacheError`
 * and read which operation failed, on which key (never a secret: keys only), and why.
 * Its message is scrubbed of secrets and its `cause` is a redacted copy (see redactError): every
 * Redis failure passes through here, and ioredis errors carry the handshake's AUTH arguments.
 */
export class CacheError extends Error {
  override readonly name = 'CacheError';

  constructor(
    readonly operation: CacheOperation,
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      // The key as a JSON string: a key holding a newline or a quote stays one quoted token in the message (and the log).
      scrubSecrets(key === undefined ? `${operation}: ${message}` : `${operation} ${JSON.stringify(key)}: ${message}`),
      options !== undefined && 'cause' in options ? { cause: safeCause(options.cause) } : undefined,
    );
  }

  /** Wraps any thrown value, keeping an existing CacheError as it is (the constructor redacts the cause and message). */
  static wrap(operation: CacheOperation, key: string | undefined, cause: unknown): CacheError {
    if (cause instanceof CacheError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new CacheError(operation, key, reason, { cause });
  }
}

/** A CacheError was made by this constructor, so it is redacted already; anything else is copied without its secrets. */
function safeCause(cause: unknown): unknown {
  return cause instanceof CacheError ? cause : redactError(cause);
}

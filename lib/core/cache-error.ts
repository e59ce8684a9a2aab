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
  | 'serialize'
  | 'deserialize';

/**
 * The one error type this package throws. Callers can test `instanceof CacheError`
 * and read which operation failed, on which key (never a secret: keys only), and why.
 */
export class CacheError extends Error {
  override readonly name = 'CacheError';

  constructor(
    readonly operation: CacheOperation,
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(key === undefined ? `${operation}: ${message}` : `${operation} "${key}": ${message}`, options);
  }

  /** Wraps any thrown value, keeping an existing CacheError as it is. */
  static wrap(operation: CacheOperation, key: string | undefined, cause: unknown): CacheError {
    if (cause instanceof CacheError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new CacheError(operation, key, reason, { cause });
  }
}

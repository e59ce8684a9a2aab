import { redactError, scrubSecrets } from './redact-error.js';
import { errorReason, type ErrorReason } from './redis-error-classifier.js';

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
 * Why a CacheError was thrown, for code that decides what to do about it (retry, fall back, fix the call):
 * - what Redis did, as the error classifier names it: `circuit_open` (the breaker is failing calls fast), `connection`,
 *   `timeout` (past `resilience.operationTimeout`), `oom` (Redis hit `maxmemory`), `readonly` (a replica), `loading`, `cluster`
 *   (CLUSTERDOWN, TRYAGAIN, MASTERDOWN), `other` (any other failure of the store);
 * - `serialization`: the value could not be serialized, or an entry deserialized;
 * - `too_large`: the value is over `entries.maxValueBytes`, or an entry decodes past `entries.compression.maxDecodedBytes`;
 * - `invalid_input`: a call's argument is refused (key, TTL, tags, namespace, version, a value that cannot be stored);
 * - `invalid_config`: the module's options, a decorator's or `withNamespace`'s are refused, at boot or when first used.
 */
export type CacheErrorReason = ErrorReason | 'too_large' | 'invalid_input' | 'invalid_config';

/**
 * The one error type this package throws. Callers can test `instanceof CacheError`
 * and read which operation failed, on which key (never a secret: keys only), and why.
 * Its message is scrubbed of secrets and its `cause` is a redacted copy (see redactError): every
 * Redis failure passes through here, and ioredis errors carry the handshake's AUTH arguments.
 */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  /** Why it was thrown (see CacheErrorReason). */
  readonly reason: CacheErrorReason;

  /**
   * `reason` defaults to what the cause says: a store failure as the classifier names it; without a cause, a refused
   * option (`configure`), a value that could not be (de)serialized (`serialize`/`deserialize`), else a refused argument.
   */
  constructor(
    readonly operation: CacheOperation,
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown; reason?: CacheErrorReason },
  ) {
    super(
      // The key as a JSON string: a key holding a newline or a quote stays one quoted token in the message (and the log).
      scrubSecrets(key === undefined ? `${operation}: ${message}` : `${operation} ${JSON.stringify(key)}: ${message}`),
      options !== undefined && 'cause' in options ? { cause: safeCause(options.cause) } : undefined,
    );
    this.reason = options?.reason ?? defaultReason(operation, options);
  }

  /** Wraps any thrown value, keeping an existing CacheError as it is (the constructor redacts the cause and message). */
  static wrap(operation: CacheOperation, key: string | undefined, cause: unknown): CacheError {
    if (cause instanceof CacheError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new CacheError(operation, key, reason, { cause });
  }
}

function defaultReason(operation: CacheOperation, options: { cause?: unknown } | undefined): CacheErrorReason {
  if (operation === 'serialize' || operation === 'deserialize') return 'serialization';
  if (options !== undefined && 'cause' in options) return operation === 'configure' ? 'invalid_config' : errorReason(options.cause);
  return operation === 'configure' ? 'invalid_config' : 'invalid_input';
}

/** A CacheError was made by this constructor, so it is redacted already; anything else is copied without its secrets. */
function safeCause(cause: unknown): unknown {
  return cause instanceof CacheError ? cause : redactError(cause);
}

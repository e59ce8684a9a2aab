import type { RateLimitedLogger } from '../../kernel/rate-limited-logger.js';
import type { RedisClient } from './redis-connection.js';

const CATEGORY = 'redis-connection';

/** Node's codes for a server certificate that does not verify against the trusted CAs or the host name. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Reports the errors of a client's connection (ioredis emits one per failed attempt, and retries forever).
 * While the first connect is under way they are only remembered: ioredis's connect() then rejects with a bare
 * "Connection is closed.", so the failure of the first connect names the last one instead, and the module logs it
 * once. The reconnect loop's next errors are suppressed for the logger's interval (counted in the next line).
 */
export class ConnectionErrors {
  private opening = false;
  private last?: Error;

  constructor(
    client: RedisClient,
    private readonly logger: RateLimitedLogger,
  ) {
    // Without a listener ioredis prints every connection error to stderr; ours are rate-limited.
    client.on('error', (error: Error) => {
      if (this.opening) this.last = error;
      else logger.warn(CATEGORY, `Redis connection error: ${describeConnectionError(error)}`);
    });
  }

  /**
   * Runs the first connect: its failure says why the connection failed, and is the only line logged for it. Past
   * `deadlineMs` (when the module stops waiting for it) errors are logged again, even if connect() has not settled.
   */
  async whileOpening(open: () => Promise<void>, deadlineMs: number): Promise<void> {
    this.opening = true;
    this.last = undefined;
    const deadline = setTimeout(() => (this.opening = false), deadlineMs);
    deadline.unref();
    try {
      await open();
    } catch (error) {
      const reason = this.last;
      if (reason === undefined) throw error;
      this.logger.markReported(CATEGORY); // the caller reports this failure: the retries that follow are counted, not logged
      throw new Error(`could not connect to Redis: ${describeConnectionError(reason)}`, { cause: reason });
    } finally {
      clearTimeout(deadline);
      this.opening = false;
    }
  }
}

/**
 * What went wrong, said plainly: a Cluster's "Failed to refresh slots cache" hides why (WRONGPASS, ECONNREFUSED) in
 * `lastNodeError`, and a certificate error does not say which option to check.
 */
export function describeConnectionError(error: Error): string {
  const lastNodeError = (error as { lastNodeError?: unknown }).lastNodeError;
  if (lastNodeError instanceof Error) return `${error.message} (last node: ${describeConnectionError(lastNodeError)})`;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) {
    return `TLS: the server's certificate was refused (${code}: ${error.message}); check the CA in redis.options.tls.ca and the host name`;
  }
  return error.message;
}

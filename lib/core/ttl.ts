import ms from 'ms';
import { CacheError, type CacheOperation } from './cache-error.js';

/**
 * A time to live: a number of **milliseconds** (as in @nestjs/cache-manager 5+),
 * or a human string such as `'30s'`, `'5m'`, `'1h'`, `'2d'`.
 */
export type Ttl = number | string;

/**
 * Turns a Ttl into whole milliseconds; zero, negative and unparsable values are refused
 * (0 never silently means "no expiry"). `subject` names what is parsed in the error.
 */
export function parseTtl(ttl: unknown, operation: CacheOperation, key?: string, subject = 'ttl'): number {
  const millis = typeof ttl === 'number' ? ttl : typeof ttl === 'string' && ttl !== '' ? ms(ttl as ms.StringValue) : undefined;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) {
    throw new CacheError(operation, key, `${subject} ${JSON.stringify(ttl)} is neither milliseconds nor a duration like '30s', '5m', '1h'`);
  }
  if (millis <= 0) {
    throw new CacheError(operation, key, `${subject} must be positive, got ${JSON.stringify(ttl)} (0 does not mean "no expiry")`);
  }
  return Math.ceil(millis);
}

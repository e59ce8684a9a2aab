import { createHash, createHmac } from 'node:crypto';
import type { ResolvedHttpOptions } from '../options/cache-options.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';

/** Modules already warned that they hash credentials with a per-process secret: once per module, not per interceptor. */
const warned = new WeakSet<ResolvedHttpOptions>();

/**
 * The part of an HTTP key that stands for the values a route varies on: 32 base64url characters (192 bits).
 * A credential (Authorization, Cookie, ...) is hashed with HMAC-SHA256 under `http.varySecret`, so a key read from
 * Redis cannot be tested against guessed passwords offline; without a configured secret, under a random one of this
 * process (those entries are then not shared between instances; warned once). Values that are no secret (a language,
 * a tenant) are hashed with the configured secret when there is one, else with plain SHA-256, shared by every instance.
 */
export function varyDigest(values: readonly string[], secret: boolean, settings: ResolvedHttpOptions, logger: RateLimitedLogger): string {
  const text = JSON.stringify(values);
  if (!secret && !settings.varySecretGiven) return createHash('sha256').update(text).digest('base64url').slice(0, 32);
  if (secret && !settings.varySecretGiven && !warned.has(settings)) {
    warned.add(settings);
    logger.warn(
      'vary-secret',
      'option "http.varySecret" is not set: responses cached per credential (@CacheVary on Authorization, Cookie, ...) are keyed ' +
        'with a random secret of this process, so other instances do not share them; give every instance the same http.varySecret',
    );
  }
  return createHmac('sha256', settings.varyKey).update(text).digest('base64url').slice(0, 32);
}

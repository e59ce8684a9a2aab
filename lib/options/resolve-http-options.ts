import { createSecretKey, randomBytes } from 'node:crypto';
import { CacheError } from '../kernel/cache-error.js';
import type { CacheHttpOptions, ResolvedHttpOptions } from './cache-options.js';

/** Request headers that are always credentials: a request carrying one is cached only on a route that varies on it. */
export const BUILT_IN_CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key'] as const;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Shorter secrets can be guessed; 16 bytes is what the HMAC's security needs at the least. */
const MIN_SECRET_BYTES = 16;
const MAX_CREDENTIAL_HEADERS = 64;

/** The `http` option, validated at boot (errors name the option). */
export function resolveHttpOptions(http: CacheHttpOptions | undefined): ResolvedHttpOptions {
  if (http !== undefined && (http === null || typeof http !== 'object' || Array.isArray(http)))
    throw configError(`option "http" must be { credentialHeaders?, varySecret? }, got ${JSON.stringify(http)}`);
  const secret = varySecret(http?.varySecret);
  return {
    credentialHeaders: new Set([...BUILT_IN_CREDENTIAL_HEADERS, ...credentialHeaders(http?.credentialHeaders)]),
    // Without a configured secret, a random one: keys stay unguessable, at the price of not sharing across instances.
    varyKey: createSecretKey(secret ?? randomBytes(32)),
    varySecretGiven: secret !== undefined,
  };
}

function credentialHeaders(names: unknown): string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names) || names.length > MAX_CREDENTIAL_HEADERS)
    throw configError(`option "http.credentialHeaders" must be an array of at most ${MAX_CREDENTIAL_HEADERS} header names`);
  return names.map((name) => {
    if (typeof name !== 'string' || !HEADER_NAME.test(name))
      throw configError(`option "http.credentialHeaders" must hold HTTP header names, got ${JSON.stringify(name)}`);
    return name.toLowerCase();
  });
}

/** The configured secret as bytes (never echoed in an error: it is a secret). */
function varySecret(secret: unknown): Buffer | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array))
    throw configError(`option "http.varySecret" must be a string or a Buffer, got ${secret === null ? 'null' : typeof secret}`);
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES)
    throw configError(`option "http.varySecret" must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

function configError(message: string): CacheError {
  return new CacheError('configure', undefined, message);
}

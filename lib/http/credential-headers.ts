import type { CacheVarySource } from './cache-http.decorators.js';
import { headerOf, type HttpRequest } from './http-messages.js';

/** The credential headers (of `names`, lower-case) a request carries. */
export function credentialsOf(request: HttpRequest, names: ReadonlySet<string>): string[] {
  const carried: string[] = [];
  for (const name of names) if (headerOf(request, name) !== undefined) carried.push(name);
  return carried;
}

/** The header names a route's @CacheVary puts in the key, lower-case (its functions name none). */
export function variedHeaders(vary: readonly CacheVarySource[] | undefined): Set<string> {
  return new Set((vary ?? []).filter((source) => typeof source === 'string').map((source) => source.toLowerCase()));
}

/** Whether every credential header the request carries is itself a vary source (so it is part of the key). */
export function keyedByCredentials(credentials: readonly string[], varied: ReadonlySet<string>): boolean {
  return credentials.every((name) => varied.has(name));
}

/**
 * A request with credentials is cached only on a route that varies on them: on each credential
 * header it carries, or on a function of the request (a user id, a tenant).
 */
export function variesOnCredentials(
  credentials: readonly string[],
  vary: readonly CacheVarySource[] | undefined,
  varied: ReadonlySet<string>,
): boolean {
  if (credentials.length === 0) return true;
  if (!vary) return false;
  return vary.some((source) => typeof source === 'function') || keyedByCredentials(credentials, varied);
}

/** Whether the route varies on some credential header: its key then holds a secret's digest (see VaryDigest). */
export function variesOnASecret(varied: ReadonlySet<string>, credentialHeaders: ReadonlySet<string>): boolean {
  for (const name of varied) if (credentialHeaders.has(name)) return true;
  return false;
}

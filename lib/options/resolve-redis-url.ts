import { CacheError } from '../kernel/cache-error.js';

const FORM = 'redis://[[username]:password@]host[:port][/db] (or rediss://)';

/**
 * Checks `redis.url` before ioredis sees it. A malformed URL fails inside ioredis (and inside Node's URL parser) with an
 * error that carries the whole input, password included, and Nest prints it at boot; the errors here name the option
 * and what is wrong, never any part of the URL, and have no cause.
 */
export function resolveRedisUrl(url: unknown): URL {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw urlError('must start with redis:// or rediss://');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw urlError(`is not a valid URL: ${whatIsWrong(url)}`);
  }
  // The URL parser leaves these to the scheme; ioredis would take port 0 as "any" and a non-numeric path as database NaN.
  if (parsed.port !== '' && Number(parsed.port) < 1) throw urlError('has port 0: the port must be a number from 1 to 65535');
  if (!/^\/?\d*$/.test(parsed.pathname)) throw urlError(`has a path that is not a database number: the form is ${FORM}`);
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    throw urlError('has a username or password with a broken %-escape (write "%" itself as %25)');
  }
  return parsed;
}

/** What is probably wrong, in fixed words: read from the part after the last "@" (the host), never echoed. */
function whatIsWrong(url: string): string {
  const authority = url.slice(url.indexOf('//') + 2);
  const host = authority.slice(authority.lastIndexOf('@') + 1).split(/[/?#]/)[0];
  if (host.includes('[') && !host.includes(']')) return 'an IPv6 address opened with "[" is not closed with "]"';
  const port = host.startsWith('[') ? host.slice(host.indexOf(']') + 1).replace(/^:/, '') : host.includes(':') ? host.slice(host.lastIndexOf(':') + 1) : '';
  if (port !== '' && (!/^\d+$/.test(port) || Number(port) > 65535)) return 'the port must be a number from 1 to 65535';
  return `expected ${FORM}, with reserved characters in the username and password percent-encoded ("@" as %40, "/" as %2F, "#" as %23)`;
}

function urlError(problem: string): CacheError {
  return new CacheError('configure', undefined, `option "redis.url" ${problem} (the URL is not shown: it may hold a password)`);
}

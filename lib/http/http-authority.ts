import { headerOf, type HttpRequest } from './http-messages.js';

/** Characters a host name or IP literal is made of: kept as they are, so keys stay readable. */
const PLAIN = /[^a-z0-9._~:[\]-]/g;

/** A trailing port (`:3000`), after a name or after an IPv6 literal's `]`. */
const PORT = /:\d*$/;

/**
 * Which site a request was for, as the default key holds it: the host name of the Host header, and of
 * X-Forwarded-Host when a proxy set one (behind a proxy that rewrites Host, it names the tenant). Lower-case, without
 * the port (one app answers one site on every port it listens on; keeping it would give each test client's ephemeral
 * port its own entries), and percent-encoded outside the plain characters, so it holds no "/", "," nor "|" and
 * the key `<site><url>` reads back one way only.
 */
export function authorityOf(request: HttpRequest): string {
  const host = hostName(headerOf(request, 'host') ?? '');
  const forwarded = headerOf(request, 'x-forwarded-host');
  return forwarded === undefined ? host : `${host},${hostName(forwarded)}`;
}

/** The request headers `authorityOf` reads: a response that varies on them is keyed by them already. */
export const AUTHORITY_HEADERS: readonly string[] = ['host', 'x-forwarded-host'];

function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  // An IPv6 literal holds colons of its own: only what follows its "]" can be a port.
  const portless = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1 || host.length) : host.replace(PORT, '');
  return escape(portless);
}

/** `%xx` per code unit (`%uxxxx` past 0xff: Node reads headers as latin1, so only a hand-made request has those). */
function escape(text: string): string {
  return text.replace(PLAIN, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `%${code.toString(16).padStart(2, '0')}` : `%u${code.toString(16).padStart(4, '0')}`;
  });
}

import { inspect } from 'node:util';
import type { ResolvedRedisOptions } from './cache-options.js';

/**
 * Makes resolved Redis options print without what they hold: a URL's password, `options.password`, a client (whose own
 * options hold it). The module keeps them for as long as it runs, and anything that keeps the resolved options (the
 * manager, the health indicator) is printed whole by `console.log` or a logger. `util.inspect` and `JSON.stringify`
 * show the mode and, for a URL, its address without credentials. The properties are not enumerable, so they travel with
 * this object only and never show up in a spread or `Object.keys`.
 */
export function redactedWhenPrinted<T extends ResolvedRedisOptions>(resolved: T, address?: URL): T {
  const shown = {
    mode: resolved.mode,
    ...(address && { address: `${address.protocol}//${address.host}${address.pathname}` }),
    credentials: '[hidden]',
  };
  Object.defineProperties(resolved, {
    [inspect.custom]: { value: () => shown },
    toJSON: { value: () => shown },
  });
  return resolved;
}

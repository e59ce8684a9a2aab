import { inspect } from 'node:util';

/**
 * Makes `holder` print as `name` with `shown()` in `util.inspect` (console.log, loggers) and `JSON.stringify`. For
 * objects that hold an ioredis client, whose public `options` keep the Redis password in plain view (whether the module
 * made the client or the user passed it in), or Nest's DiscoveryService, which reaches the user's raw module options:
 * printing the health indicator or any provider of the module printed the password at any depth. The properties are
 * not enumerable, so nothing else about the holder changes.
 */
export function printedAs<T extends object>(holder: T, name: string, shown: () => object): T {
  Object.defineProperties(holder, {
    [inspect.custom]: { value: () => `${name} ${inspect(shown())}` },
    toJSON: { value: shown },
  });
  return holder;
}

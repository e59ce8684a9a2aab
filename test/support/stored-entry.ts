import type { Cluster, Redis } from 'ioredis';
import { EntryCodec } from '../../lib/entry/entry-codec.js';
import { MARKER } from '../../lib/entry/entry-format.js';
import { resolveEncoding } from '../../lib/options/resolve-encoding.js';
import { onNode } from './redis-cluster.js';

const codec = new EntryCodec(resolveEncoding('json', undefined, Number.MAX_SAFE_INTEGER, ''));

/**
 * The value the cache stored under `key`, read with a plain client: asserts it is an entry in the
 * current format (not bare text), then decodes it. Undefined when the key is absent.
 */
export async function storedValue(redis: Redis | Cluster, key: string): Promise<unknown> {
  const bytes = await redis.getBuffer(key);
  if (bytes === null) return undefined;
  if (bytes[0] !== MARKER) throw new Error(`"${key}" does not hold an entry in the current format: ${bytes.subarray(0, 32).toString()}`);
  return codec.decode(bytes);
}

/** `storedValue` on one node (a cluster master, a Sentinel's master) over a short-lived connection. */
export function storedValueOn(port: number, key: string): Promise<unknown> {
  return onNode({ port }, (redis) => storedValue(redis, key));
}

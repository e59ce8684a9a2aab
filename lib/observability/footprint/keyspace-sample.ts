import type { Redis } from 'ioredis';
import { isMonitorKey } from '../../kernel/cache-keys.js';

/** Commands sent per round trip: small enough that the app's own commands on the connection never wait long behind them. */
const BATCH = 250;
/** Keys per SCAN call when a node is small enough to be counted exactly. */
const SCAN_COUNT = 1000;

/** What one Redis node showed of the namespaces asked about. */
export interface NodeSample {
  /** Keys in the node's database (DBSIZE). */
  dbsize: number;
  /** Keys drawn (RANDOMKEY), or every key when `exhaustive`. */
  drawn: number;
  /** True when the node was small enough to read every key: counts are exact. */
  exhaustive: boolean;
  /** Per namespace: how many drawn keys were its, and the MEMORY USAGE of some of them. */
  namespaces: Map<string, { seen: number; sizes: number[] }>;
}

/**
 * Samples one node: DBSIZE, then `draws` RANDOMKEY (or, when the node holds no more keys than that, a SCAN of all of
 * them), then MEMORY USAGE of at most `sizesPerNamespace` keys of each namespace asked about. Keys belong to the
 * namespace before their first ':' (the measurements' own keys to none). Costs O(draws) on the server; never a full SCAN of a large node.
 */
export async function sampleNode(
  node: Redis,
  namespaces: ReadonlySet<string>,
  draws: number,
  sizesPerNamespace: number,
  stopped: () => boolean,
): Promise<NodeSample> {
  const dbsize = await node.dbsize();
  const exhaustive = dbsize <= draws;
  const keys = exhaustive ? await scanAll(node, stopped) : await randomKeys(node, draws, stopped);
  const found = new Map<string, { seen: number; sizes: number[] }>();
  const toSize: string[] = [];
  for (const key of keys) {
    const namespace = namespaceOf(key);
    if (namespace === undefined || !namespaces.has(namespace)) continue;
    let entry = found.get(namespace);
    if (entry === undefined) found.set(namespace, (entry = { seen: 0, sizes: [] }));
    if (entry.seen++ < sizesPerNamespace) toSize.push(key);
  }
  const sizes = await memoryUsage(node, toSize, stopped);
  toSize.forEach((key, i) => {
    const size = sizes[i];
    if (typeof size === 'number') found.get(namespaceOf(key) as string)?.sizes.push(size);
  });
  return { dbsize, drawn: keys.length, exhaustive, namespaces: found };
}

/** The namespace a key belongs to; undefined for a key of no namespace, or one of the measurements' own. */
function namespaceOf(key: string): string | undefined {
  const colon = key.indexOf(':');
  return colon > 0 && !isMonitorKey(key, colon) ? key.slice(0, colon) : undefined;
}

async function randomKeys(node: Redis, draws: number, stopped: () => boolean): Promise<string[]> {
  const keys: string[] = [];
  for (let done = 0; done < draws && !stopped(); done += BATCH) {
    const pipeline = node.pipeline();
    for (let i = 0; i < Math.min(BATCH, draws - done); i++) pipeline.randomkey();
    for (const [error, key] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      if (typeof key === 'string') keys.push(key); // null: the node emptied meanwhile
    }
  }
  return keys;
}

async function scanAll(node: Redis, stopped: () => boolean): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0' && !stopped());
  return keys;
}

/** MEMORY USAGE of each key (null for a key gone meanwhile). SAMPLES 0 is not needed: entries are strings. */
async function memoryUsage(node: Redis, keys: readonly string[], stopped: () => boolean): Promise<Array<number | null>> {
  const sizes: Array<number | null> = [];
  for (let start = 0; start < keys.length && !stopped(); start += BATCH) {
    const pipeline = node.pipeline();
    for (const key of keys.slice(start, start + BATCH)) pipeline.call('MEMORY', 'USAGE', key);
    for (const [error, size] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      sizes.push(typeof size === 'number' ? size : null);
    }
  }
  return sizes;
}

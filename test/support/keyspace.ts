import type { Redis } from 'ioredis';

/**
 * Fills a database fast (pipelines of 1,000 SETs): `total` keys, each given to the first namespace whose share it falls
 * in (`shares` of the keys, in order), the rest to `rest`. Values are 50 to 650 bytes, varying key by key.
 */
export async function fillKeyspace(
  redis: Redis,
  total: number,
  shares: ReadonlyArray<[namespace: string, share: number]>,
  rest: string,
): Promise<void> {
  const owners: string[] = [];
  for (const [namespace, share] of shares) for (let i = 0; i < Math.round(total * share); i++) owners.push(namespace);
  while (owners.length < total) owners.push(rest);
  // Interleaved, so no namespace sits in one run of keys.
  for (let i = owners.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [owners[i], owners[j]] = [owners[j], owners[i]];
  }
  for (let start = 0; start < total; start += 1000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(total, start + 1000); i++)
      pipeline.set(`${owners[i]}:key-${i}`, 'v'.repeat(50 + (i % 7) * 100), 'EX', 3600);
    await pipeline.exec();
  }
}

/** Exact key count and MEMORY USAGE sum per namespace: a full SCAN, the truth the sampler estimates. */
export async function scanFootprint(redis: Redis, namespaces: readonly string[]): Promise<Map<string, { keys: number; bytes: number }>> {
  const found = new Map(namespaces.map((namespace) => [namespace, { keys: 0, bytes: 0 }]));
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    // The sampler's own keys (<namespace>:__monitor__:…) are not part of what a namespace stores.
    const mine = keys.filter((key) => found.has(key.slice(0, key.indexOf(':'))) && !key.includes(':__monitor__:'));
    const pipeline = redis.pipeline();
    for (const key of mine) pipeline.call('MEMORY', 'USAGE', key);
    const sizes = (await pipeline.exec()) ?? [];
    mine.forEach((key, i) => {
      const entry = found.get(key.slice(0, key.indexOf(':')))!;
      entry.keys++;
      entry.bytes += Number(sizes[i][1] ?? 0);
    });
  } while (cursor !== '0');
  return found;
}

/** Redis command time since the last CONFIG RESETSTAT, in µs per command (INFO commandstats), without the test's own INFO and CONFIG. */
export async function commandTime(
  redis: Redis,
  options: { keepInfo?: boolean } = {},
): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const line of (await redis.info('commandstats')).split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match && (options.keepInfo || match[1] !== 'info') && !match[1].startsWith('config'))
      stats.set(match[1], { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

export function totalUsec(stats: Map<string, { usec: number }>): number {
  return [...stats.values()].reduce((sum, { usec }) => sum + usec, 0);
}

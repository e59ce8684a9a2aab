// The other process of the propagation measurement: an application with l1 on the namespace, whose tier records
// when each invalidation of a `prop:` key reaches it (L1Tier.evict, the moment the entry stops being served).
// It reads every key first (Redis notifies a process only of keys it read), prints "ready", then, when stdin closes,
// one JSON line: { "<key>": evictedAt, … } with evictedAt in ms since the epoch (performance.timeOrigin + now,
// comparable with the writer process).
// Usage: node dist-bench/bench/l1-listener.js <redis url> <namespace> <number of keys>
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CacheManager, CacheModule } from '@datapunk/nestjs-cache';

const [url, namespace, count] = process.argv.slice(2);
const prefix = `${namespace}:prop:`;
const evictedAt: Record<string, number> = {};

// The built package's own tier module (the same instance its index imports): wrapped only to timestamp evictions.
const tierModule = (await import(new URL('../../dist/l1/l1-tier.js', import.meta.url).href)) as {
  L1Tier: { prototype: { evict(fullKey: string): void } };
};
const evict = tierModule.L1Tier.prototype.evict;
tierModule.L1Tier.prototype.evict = function (this: unknown, fullKey: string): void {
  if (fullKey.startsWith(prefix) && evictedAt[fullKey] === undefined) evictedAt[fullKey] = performance.timeOrigin + performance.now();
  evict.call(this, fullKey);
};

const app = await NestFactory.createApplicationContext(CacheModule.forRoot({ namespace, redis: { url }, l1: {} }), { logger: false });
const cache = app.get(CacheManager);
const keys = Array.from({ length: Number(count) }, (_, i) => `prop:${i}`);
for (let i = 0; i < keys.length; i += 1000) await cache.mget(keys.slice(i, i + 1000));
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(`${JSON.stringify(evictedAt)}\n`);
  void app.close().then(() => process.exit(0));
});

// Another app instance, in its own process (so a fault that stalls the readers' event loop does not stall it): writes
// increasing versions to a few keys through the built package and prints each acknowledged write as one JSON line,
// `{"key","version","ackAt"}` with ackAt in ms since the epoch (performance.timeOrigin + now, comparable across processes).
// Usage: node l1-version-writer.mjs '<CacheModuleOptions JSON>' <keyCount>. Stops on SIGTERM.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import { CacheManager, CacheModule } from '../../dist/index.js';

const options = JSON.parse(process.argv[2]);
const keyCount = Number(process.argv[3] ?? 4);
const app = await NestFactory.createApplicationContext(CacheModule.forRoot(options), { logger: false });
const cache = app.get(CacheManager);
let running = true;
process.on('SIGTERM', () => (running = false));
// The test process holds our stdin: when it goes away (even killed), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.stdout.write('ready\n');
for (let version = 1; running; version++) {
  const key = `v${version % keyCount}`;
  try {
    await cache.set(key, version);
    process.stdout.write(`${JSON.stringify({ key, version, ackAt: performance.timeOrigin + performance.now() })}\n`);
  } catch {
    await sleep(5); // Redis is down: not acknowledged, so nothing to check against
  }
  if (version % 4 === 0) await sleep(1);
}
await app.close();
process.exit(0);

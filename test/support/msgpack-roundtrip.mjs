// Runs outside Jest's VM (whose typed arrays come from two realms): the built package, in plain Node, stores
// every type the msgpack serializer promises in a real Redis and reads it back. Prints one JSON line.
import 'reflect-metadata';
import { isDeepStrictEqual } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { CacheManager, CacheModule } from '../../dist/index.js';

const samples = {
  float64: new Float64Array([1.5, Number.NaN, -0]),
  float32: new Float32Array([0.25]),
  int32: new Int32Array([1, -2, 3]),
  uint16: new Uint16Array([65535]),
  bigint64: new BigInt64Array([-(2n ** 63n)]),
  uint8: new Uint8Array([0, 255]),
  buffer: Buffer.from([1, 2, 3]),
  nestedTyped: { list: [new Float64Array([2.5])], map: new Map([['k', new Int8Array([-1])]]) },
};

const app = await NestFactory.createApplicationContext(
  CacheModule.forRoot({ namespace: 'roundtrip', serializer: 'msgpack', redis: { url: process.argv[2] } }),
  { logger: false },
);
const cache = app.get(CacheManager);
const mismatches = [];
for (const [name, value] of Object.entries(samples)) {
  await cache.set(name, value);
  const read = await cache.get(name);
  if (!isDeepStrictEqual(read, value)) mismatches.push(name);
}
await app.close();
process.stdout.write(`${JSON.stringify({ checked: Object.keys(samples).length, mismatches })}\n`);

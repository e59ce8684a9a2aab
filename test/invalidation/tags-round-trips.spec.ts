import type { CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { RoundTrips } from '../support/round-trips.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * A tagged read costs what an untagged one does on the wire: the entry and its tags' tokens come back in one command,
 * so one round trip. Counted at a proxy in front of one redis-server (commands parsed, turns = request/response
 * alternations), never timed. Instance `other` writes directly, as another process of the fleet would.
 */
describe('tags: a tagged read is one round trip', () => {
  let server: RedisServer;
  let proxy: TcpProxy;
  let trips: RoundTrips;
  let namespace = 0;
  let booted: Array<{ module: TestingModule }> = [];
  let cache: CacheManager;
  let other: CacheManager;

  beforeAll(async () => {
    server = await RedisServer.start();
    proxy = await TcpProxy.start(server.port);
    trips = RoundTrips.watch(proxy);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.dispose();
  });

  beforeEach(async () => {
    const name = `trips${++namespace}`;
    const a = await bootCache({ namespace: name, redis: { url: proxy.url }, operationTimeout: 1000 });
    const b = await bootCache({ namespace: name, redis: { url: server.url }, operationTimeout: 1000 });
    booted = [a, b];
    ({ cache } = a);
    other = b.cache;
  });
  afterEach(async () => {
    for (const { module } of booted) await module.close();
  });

  /** Runs `read` `times` times, one at a time, and counts what reached Redis. */
  async function counted(times: number, read: () => Promise<unknown>): Promise<{ turns: number; commands: number }> {
    trips.reset();
    for (let i = 0; i < times; i++) await read();
    return { turns: trips.turns, commands: trips.commands };
  }

  it('get of an entry this process set with tags: one command each, as an untagged get', async () => {
    await cache.set('tagged', { id: 1 }, { tags: ['product:1', 'category:2'] });
    await cache.set('plain', { id: 2 });
    expect(await counted(20, async () => expect(await cache.get('tagged')).toEqual({ id: 1 }))).toEqual({ turns: 20, commands: 20 });
    expect(await counted(20, async () => expect(await cache.get('plain')).toEqual({ id: 2 }))).toEqual({ turns: 20, commands: 20 });
  });

  it('get of a tagged entry another process wrote: the first read learns its tags, every later one is one command', async () => {
    await other.set('elsewhere', 'value', { tags: ['product:3'] });
    expect(await cache.get('elsewhere')).toBe('value');
    expect(await counted(20, async () => expect(await cache.get('elsewhere')).toBe('value'))).toEqual({ turns: 20, commands: 20 });
  });

  it('getOrSet hits, with known tags and with tags from the value: one command each', async () => {
    const load = () => ({ loaded: true });
    await cache.getOrSet('known', load, { tags: ['product:4'] });
    await cache.getOrSet('computed', load, { tags: () => ['product:5'] });
    const known = () => cache.getOrSet('known', () => ({ loaded: false }), { tags: ['product:4'] });
    const computed = () => cache.getOrSet('computed', () => ({ loaded: false }), { tags: () => ['product:5'] });
    expect(await counted(20, async () => expect(await known()).toEqual({ loaded: true }))).toEqual({ turns: 20, commands: 20 });
    expect(await counted(20, async () => expect(await computed()).toEqual({ loaded: true }))).toEqual({ turns: 20, commands: 20 });
  });

  it('a hint gone wrong (another process retagged the key) costs a round trip, never a stale value', async () => {
    await cache.set('retagged', 'first', { tags: ['old-tag'] });
    await other.set('retagged', 'second', { tags: ['new-tag'] }); // this process still hints old-tag
    expect(await cache.get('retagged')).toBe('second'); // new-tag's token read after the entry, hint learned
    await other.invalidateTags('new-tag');
    expect(await cache.get('retagged')).toBeUndefined();
    await other.set('retagged', 'untagged now');
    expect(await cache.get('retagged')).toBe('untagged now'); // and the hint is dropped:
    expect(await counted(5, () => cache.get('retagged'))).toEqual({ turns: 5, commands: 5 });
  });

  it('an invalidation between two hinted reads is seen by the second (tokens read with the entry, not remembered)', async () => {
    await cache.set('watched', 'v1', { tags: ['group:1'] });
    expect(await cache.get('watched')).toBe('v1');
    await other.invalidateTags('group:1');
    expect(await cache.get('watched')).toBeUndefined();
    await other.set('watched', 'v2', { tags: ['group:1'] });
    expect(await cache.get('watched')).toBe('v2');
  });
});

import { CacheError, type CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { gate, TOPOLOGIES, type Topology } from '../support/topologies.js';

describe.each(TOPOLOGIES)('tags on $name', (topology) => {
  let setup: Awaited<ReturnType<Topology['start']>>;
  let module: TestingModule;
  let cache: CacheManager;
  let namespace = 0;

  beforeAll(async () => {
    setup = await topology.start();
  }, 30_000);
  afterAll(() => setup?.stop());

  beforeEach(async () => {
    ({ module, cache } = await bootCache({ namespace: `tags${++namespace}`, redis: setup.redis, operationTimeout: 1000 }));
  });
  afterEach(() => module?.close());

  it('invalidateTags makes every entry carrying the tag miss, and only those', async () => {
    await cache.set('p1', { id: 1 }, { tags: ['product:1', 'category:9'] });
    await cache.set('p2', { id: 2 }, { tags: ['product:2', 'category:9'] });
    await cache.set('p3', { id: 3 }, { tags: ['product:3'] });
    await cache.set('plain', 'untagged');
    await cache.invalidateTags('category:9');
    expect(await cache.get('p1')).toBeUndefined();
    expect(await cache.get('p2')).toBeUndefined();
    expect(await cache.get('p3')).toEqual({ id: 3 });
    expect(await cache.mget(['p1', 'p2', 'p3', 'plain'])).toEqual([undefined, undefined, { id: 3 }, 'untagged']);
    await cache.invalidateTags(['product:3', 'never-used']);
    expect(await cache.get('p3')).toBeUndefined();
    expect(await cache.get('plain')).toBe('untagged');
  });

  it('getOrSet with known tags: cached, then reloaded after an invalidation of any of them', async () => {
    let loads = 0;
    const load = () => cache.getOrSet('page', () => ({ loads: ++loads }), { tags: ['product:7', 'category:1'] });
    expect(await load()).toEqual({ loads: 1 });
    expect(await load()).toEqual({ loads: 1 });
    await cache.invalidateTags('category:1');
    expect(await load()).toEqual({ loads: 2 });
    expect(await load()).toEqual({ loads: 2 });
  });

  it('an entry carrying more tags than a reader declares still hits, and still misses once any of them is invalidated', async () => {
    await cache.set('wide', 'value', { tags: ['extra', 'declared'] });
    expect(await cache.getOrSet('wide', () => 'reloaded', { tags: ['declared'] })).toBe('value');
    await cache.invalidateTags('extra');
    expect(await cache.getOrSet('wide', () => 'reloaded', { tags: ['declared'] })).toBe('reloaded');
  });

  it('a load that is not stored (it throws, or returns undefined) creates no tag token', async () => {
    await cache.invalidateTags('warm-up'); // the namespace's epoch exists, as it does once tags are in use
    const before = await setup.keyCount();
    for (let i = 0; i < 20; i++) {
      await expect(
        cache.getOrSet(`missing:${i}`, () => Promise.reject(new Error('not found')), { tags: [`thrown:${i}`] }),
      ).rejects.toThrow();
      expect(await cache.getOrSet(`empty:${i}`, () => undefined, { tags: [`undefined:${i}`] })).toBeUndefined();
    }
    expect(await setup.keyCount()).toBe(before);
  });

  it('a load of a tag without a token yet, invalidated while it runs, is not stored (the token is made after it)', async () => {
    const loader = gate<string>();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const load = cache.getOrSet('cold', () => (started(), loader.promise), { tags: ['cold-tag'] });
    await running;
    await cache.invalidateTags('cold-tag');
    loader.open('read before the invalidation');
    expect(await load).toBe('read before the invalidation');
    expect(await cache.getOrSet('cold', () => 'read after it', { tags: ['cold-tag'] })).toBe('read after it');
    expect(await cache.getOrSet('cold', () => 'not loaded again', { tags: ['cold-tag'] })).toBe('read after it');
  });

  it('getOrSet with tags computed from the loaded value', async () => {
    let loads = 0;
    const load = () =>
      cache.getOrSet('order:5', () => ({ id: 5, productIds: [1, 2], loads: ++loads }), {
        tags: (order) => order.productIds.map((id) => `product:${id}`),
      });
    expect((await load()).loads).toBe(1);
    expect((await load()).loads).toBe(1);
    await cache.invalidateTags('product:2');
    expect((await load()).loads).toBe(2);
    await cache.invalidateTags('product:3'); // not one of its tags
    expect((await load()).loads).toBe(2);
  });

  it.each(['known up front', 'computed from the value'])(
    'a value whose load started before an invalidation is never served after it (tags %s)',
    async (kind) => {
      const tags = kind === 'known up front' ? ['product:1'] : () => ['product:1'];
      const held = gate<string>();
      const stale = cache.getOrSet('race', () => held.promise, { tags });
      await new Promise((resolve) => setTimeout(resolve, 50)); // the lookup missed and the loader is running
      await cache.invalidateTags('product:1'); // the database changed after the loader read it
      held.open('old price');
      expect(await stale).toBe('old price'); // the caller that asked before gets what it loaded
      expect(await cache.get('race')).toBeUndefined(); // but nobody is served it afterwards
      expect(await cache.getOrSet('race', () => 'new price', { tags })).toBe('new price');
      expect(await cache.getOrSet('race', () => 'newer', { tags })).toBe('new price');
    },
  );

  it('tags are namespaced: invalidating product:7 in one namespace never touches another', async () => {
    const other = cache.withNamespace(`${cache.namespace}-other`);
    await cache.set('k', 'mine', { tags: ['product:7'] });
    await other.set('k', 'theirs', { tags: ['product:7'] });
    await other.invalidateTags('product:7');
    expect(await cache.get('k')).toBe('mine');
    expect(await other.get('k')).toBeUndefined();
  });

  it('a token key lost (eviction, a FLUSH of it) only causes misses', async () => {
    await cache.set('k', 'v', { tags: ['fragile'] });
    await setup.raw.del(`${cache.namespace}:__tag__:fragile`);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', () => 'reloaded', { tags: ['fragile'] })).toBe('reloaded');
    expect(await cache.get('k')).toBe('reloaded');
  });

  it.each([
    ['an empty tag', [''], /tag length must be 1\.\.128, got 0/],
    ['a tag over 128 characters', ['t'.repeat(129)], /tag length must be 1\.\.128, got 129/],
    ['more than 8 tags', Array.from({ length: 9 }, (_, i) => `t${i}`), /at most 8 tags at once, got 9/],
    ['a space', ['a b'], /printable ASCII only, without spaces/],
    ['a brace (a Cluster hash tag)', ['{x}'], /without spaces, "\{" or "\}"/],
    ['a non-ASCII character', ['café'], /printable ASCII only/],
  ])('refuses %s with a CacheError, storing nothing', async (_label, tags, message) => {
    await expect(cache.set('bad', 1, { tags })).rejects.toThrow(message);
    await expect(cache.getOrSet('bad', () => 1, { tags })).rejects.toThrow(message);
    await expect(cache.getOrSet('bad', () => 1, { tags: () => tags })).rejects.toThrow(message);
    await expect(cache.invalidateTags(tags.length > 8 ? [''] : tags)).rejects.toBeInstanceOf(CacheError);
    expect(await cache.has('bad')).toBe(false);
  });

  it('reserves the tag key segments: user keys cannot start with them', async () => {
    await expect(cache.set('__tag__:x', 1)).rejects.toThrow(/reserved for tag tokens/);
    await expect(cache.get('__tag-epoch__')).rejects.toThrow(/reserved for the tag invalidation epoch/);
  });

  it('leaves nothing behind: after every tagged entry expired and the grace passed, the namespace holds no key', async () => {
    const before = await setup.keyCount();
    for (let i = 0; i < 50; i++) await cache.set(`short:${i}`, i, { ttl: 1000, tags: [`t${i % 7}`, 'all'] });
    for (let i = 0; i < 20; i++) await cache.getOrSet(`loaded:${i}`, () => i, { ttl: 1000, tags: [`t${i % 3}`] });
    expect(await setup.keyCount()).toBeGreaterThan(before + 70);
    // TTL + the grace (1 s for short TTLs) + slack. A TTL of 1 s, not less: on a busy machine the first of the 70 writes
    // must not expire before the count above.
    await new Promise((resolve) => setTimeout(resolve, 1000 + 1000 + 500));
    expect(await setup.keyCount()).toBe(before);
  });
});

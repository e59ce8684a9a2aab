import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';

/** The peer's two-tier setup as its docs show it: an L1 memory layer, Redis as L2, and the Redis bus between instances. */
export interface BentoStack {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function bentocacheL1L2(url: string): Promise<BentoStack> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port) };
  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  });
  return {
    get: (key) => bento.get({ key }),
    set: (key, value) => bento.set({ key, value, ttl: '5m' }),
    close: () => bento.disconnectAll(),
  };
}

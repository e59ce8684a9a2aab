import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisCluster } from '../../test/support/redis-cluster.js';
import { command } from '../../test/support/redis-cluster.js';
import type { RedisServer } from '../../test/support/redis-server.js';
import type { TcpProxy } from '../../test/support/tcp-proxy.js';
import { keyName } from './keyspace.js';

/** What a fault acts on: the single server behind the proxy the instances use, or the Cluster. */
export type FaultTarget = { kind: 'single'; server: RedisServer; proxy: TcpProxy } | { kind: 'cluster'; cluster: RedisCluster };

export interface Fault {
  name: string;
  /** Breaks something, waits `activeMs` when the fault lasts, restores it, and resolves when it is over. */
  run(activeMs: number): Promise<void>;
}

/**
 * Without tracking (ttl-only l1) there are no tracking or subscriber connections to kill; otherwise finding none
 * means the fault did nothing, which must not pass as "survived".
 */
let requireTrackedClients = true;

/** Latency the proxy adds in each direction: a round trip of 200 ms, inside the 250 ms operation budget. */
const ADDED_LATENCY_MS = 100;

export function faultsFor(target: FaultTarget, options: { tracking: boolean }): Fault[] {
  requireTrackedClients = options.tracking;
  return target.kind === 'single' ? singleNodeFaults(target.server, target.proxy) : clusterFaults(target.cluster);
}

function singleNodeFaults(server: RedisServer, proxy: TcpProxy): Fault[] {
  const port = server.port;
  return [
    {
      name: 'SIGSTOP / SIGCONT',
      run: async (activeMs) => {
        process.kill(server.pid!, 'SIGSTOP');
        try {
          await sleep(activeMs);
        } finally {
          process.kill(server.pid!, 'SIGCONT');
        }
      },
    },
    { name: 'CLIENT KILL data connections', run: () => killClients([port], /flags=\S*t/) },
    {
      name: 'kill -9 + restart',
      run: async () => {
        await server.stop('SIGKILL');
        await sleep(500);
        await server.launch();
      },
    },
    { name: 'CLIENT KILL subscribers', run: () => killClients([port], /flags=\S*P/) },
    { name: 'DEBUG SLEEP', run: async (activeMs) => void (await command(port, 'debug', 'sleep', String(activeMs / 1000))) },
    {
      name: 'partition (proxy)',
      run: async (activeMs) => {
        proxy.partition();
        await sleep(activeMs);
        proxy.heal();
      },
    },
    { name: 'FLUSHALL', run: async () => void (await command(port, 'flushall')) },
    { name: 'maxmemory + allkeys-lru', run: (activeMs) => memoryPressure(port, activeMs) },
    {
      name: `latency +${ADDED_LATENCY_MS} ms each way (proxy)`,
      run: async (activeMs) => {
        proxy.setLatency(ADDED_LATENCY_MS);
        await sleep(activeMs);
        proxy.setLatency(0);
      },
    },
  ];
}

function clusterFaults(cluster: RedisCluster): Fault[] {
  const ports = (): number[] => cluster.nodes.map((node) => node.port);
  return [
    {
      name: 'master failover (kill -9, replica promoted, old master rejoins)',
      run: async () => {
        const [victim] = await cluster.masters();
        await cluster.killMaster(victim.port);
        await cluster.waitForFailover();
        await cluster.restartNode(victim.port);
      },
    },
    { name: 'CLIENT KILL data connections', run: () => killClients(ports(), /flags=\S*t/) },
    { name: 'slot migration', run: async () => void (await cluster.migrateSlotOf(`soak:${keyName(Math.floor(Math.random() * 40))}`)) },
    { name: 'CLIENT KILL subscribers', run: () => killClients(ports(), /flags=\S*P/) },
    {
      name: 'FLUSHALL (every master)',
      run: async () => {
        for (const master of await cluster.masters()) await command(master.port, 'flushall');
      },
    },
  ];
}

/** Kills, on each node, the clients whose CLIENT LIST line matches (connections are told apart by their flags). */
async function killClients(ports: number[], flags: RegExp): Promise<void> {
  let killed = 0;
  for (const port of ports) {
    const list = String(await command(port, 'client', 'list').catch(() => ''));
    for (const line of list.split('\n').filter((candidate) => flags.test(candidate))) {
      await command(port, 'client', 'kill', 'id', /id=(\d+)/.exec(line)![1]).catch(() => undefined);
      killed++;
    }
  }
  if (killed === 0 && requireTrackedClients) throw new Error(`no client matched ${flags}`);
}

/** maxmemory just above what Redis holds, allkeys-lru, and filler written on top: Redis evicts the soak's keys too. */
async function memoryPressure(port: number, activeMs: number): Promise<void> {
  const info = String(await command(port, 'info', 'memory'));
  const used = Number(/used_memory:(\d+)/.exec(info)![1]);
  await command(port, 'config', 'set', 'maxmemory-policy', 'allkeys-lru');
  await command(port, 'config', 'set', 'maxmemory', String(used + 256 * 1024));
  const filler = 'x'.repeat(8 * 1024);
  const until = performance.now() + activeMs;
  try {
    for (let batch = 0; performance.now() < until; batch++) {
      await command(port, 'mset', ...Array.from({ length: 16 }, (_, i) => [`filler:${batch}:${i}`, filler]).flat());
      await sleep(50);
    }
  } finally {
    await command(port, 'config', 'set', 'maxmemory', '0');
    await command(port, 'config', 'set', 'maxmemory-policy', 'noeviction');
    // The filler left over (not evicted) is removed, outside the soak's namespace.
    for (let cursor = '0', first = true; first || cursor !== '0'; first = false) {
      const [next, keys] = (await command(port, 'scan', cursor, 'match', 'filler:*', 'count', '1000')) as [string, string[]];
      if (keys.length > 0) await command(port, 'unlink', ...keys);
      cursor = next;
    }
  }
}

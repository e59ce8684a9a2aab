import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { RedisServer, freePort } from './redis-server.js';
import { waitUntil } from './wait-until.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const SLOTS = 16384;

export interface NodeAddress {
  host: string;
  port: number;
}

/**
 * A real Redis Cluster on loopback: 3 masters, each with 1 replica, every node a RedisServer
 * (stopped by PID). A 1 s node timeout makes a failover take a couple of seconds.
 */
export class RedisCluster {
  private readonly killed = new Set<number>();

  private constructor(
    private readonly servers: RedisServer[],
    private readonly password?: string,
  ) {}

  /**
   * `password`: every node requires it (`requirepass`) and uses it with its master (`masterauth`). `extraArgs`: more
   * redis-server arguments for every node (an ACL user).
   */
  static async start(options: { password?: string; extraArgs?: string[] } = {}): Promise<RedisCluster> {
    const { password, extraArgs = [] } = options;
    const servers: RedisServer[] = [];
    const cluster = new RedisCluster(servers, password);
    const auth = password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
    try {
      for (let i = 0; i < 6; i++) {
        // The bus port is given explicitly: the default (port + 10000) overflows for high free ports.
        const busPort = await freePort();
        servers.push(
          await RedisServer.start([
            ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort)],
            // Failover is always allowed (no replica is "too stale" in a test) and happens fast.
            ...['--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0'],
            // No 5 s wait for more replicas before the first full sync (the default diskless-sync delay).
            ...['--repl-diskless-sync-delay', '0'],
            ...auth,
            ...extraArgs,
          ]),
        );
      }
      const addresses = servers.map((server) => `${HOST}:${server.port}`);
      // REDISCLI_AUTH rather than -a, which would print a warning about passwords on the command line.
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], {
        timeout: 20_000,
        env: password === undefined ? process.env : { ...process.env, REDISCLI_AUTH: password },
      });
      await waitUntil('the cluster to form', 20_000, () => cluster.isHealthy());
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Every node, masters and replicas (seed nodes for a client). */
  get nodes(): NodeAddress[] {
    return this.servers.map((server) => ({ host: HOST, port: server.port }));
  }

  /** The masters that serve slots now, according to a live node. */
  async masters(): Promise<NodeAddress[]> {
    const ranges = await this.slotRanges(this.liveServers()[0].port);
    const ports = [...new Set(ranges.map((range) => range.masterPort))];
    return ports.sort((a, b) => a - b).map((port) => ({ host: HOST, port }));
  }

  /** Crashes one master (SIGKILL by PID): its replica takes over once the others mark it failed. */
  async killMaster(port: number): Promise<void> {
    if (!(await this.masters()).some((master) => master.port === port)) throw new Error(`${port} is not a master`);
    this.killed.add(port);
    await this.server(port).stop('SIGKILL');
  }

  /** Starts a killed node again on its port: with its nodes.conf it rejoins, as a replica of the master that replaced it. */
  async restartNode(port: number, timeoutMs = 20_000): Promise<void> {
    await this.server(port).launch();
    this.killed.delete(port);
    await waitUntil('the restarted node to rejoin', timeoutMs, () => this.isHealthy());
  }

  /** Waits until no slot is served by a killed master and every live node says cluster_state:ok. */
  waitForFailover(timeoutMs = 20_000): Promise<void> {
    return waitUntil('a replica to take over', timeoutMs, () => this.isHealthy());
  }

  /**
   * Moves the slot holding `key` to another master, keys and all (IMPORTING/MIGRATING, MIGRATE in batches, then
   * SETSLOT NODE on every master), as redis-cli --cluster reshard does. Resolves to the target's port.
   */
  async migrateSlotOf(key: string): Promise<number> {
    const slot = calculateSlot(key);
    const ranges = await this.slotRanges(this.liveServers()[0].port);
    const source = ranges.find((range) => range.start <= slot && slot <= range.end)!.masterPort;
    const masters = await this.masters();
    const target = masters.find((master) => master.port !== source)!.port;
    const [sourceId, targetId] = [
      String(await this.command(source, 'cluster', 'myid')),
      String(await this.command(target, 'cluster', 'myid')),
    ];
    await this.command(target, 'cluster', 'setslot', slot, 'importing', sourceId);
    await this.command(source, 'cluster', 'setslot', slot, 'migrating', targetId);
    for (;;) {
      const keys = (await this.command(source, 'cluster', 'getkeysinslot', slot, 100)) as string[];
      if (keys.length === 0) break;
      const auth = this.password === undefined ? [] : ['AUTH', this.password];
      await this.command(source, 'migrate', HOST, target, '', 0, 5000, ...auth, 'KEYS', ...keys);
    }
    for (const master of masters) await this.command(master.port, 'cluster', 'setslot', slot, 'node', targetId);
    return target;
  }

  /** Stops every node by PID and removes their folders. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.dispose()));
  }

  /** One command on a node, with the cluster's password if it has one. */
  private command(port: number, name: string, ...args: Array<string | number>): Promise<unknown> {
    return commandOn({ port, password: this.password }, name, ...args);
  }

  private liveServers(): RedisServer[] {
    return this.servers.filter((server) => !this.killed.has(server.port));
  }

  private server(port: number): RedisServer {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`no node on port ${port}`);
    return server;
  }

  /** Healthy: every live node is ok, every slot is served by a live master, and every live replica has synced. */
  private async isHealthy(): Promise<boolean> {
    for (const server of this.liveServers()) {
      const info = String(await this.command(server.port, 'cluster', 'info'));
      if (!info.includes('cluster_state:ok') || !info.includes(`cluster_slots_ok:${SLOTS}`)) return false;
      const ranges = await this.slotRanges(server.port);
      const covered = ranges.reduce((sum, range) => sum + range.end - range.start + 1, 0);
      if (covered !== SLOTS || ranges.some((range) => this.killed.has(range.masterPort))) return false;
      const role = (await this.command(server.port, 'role')) as unknown[];
      if (role[0] === 'slave' && role[3] !== 'connected') return false;
    }
    return true;
  }

  private async slotRanges(port: number): Promise<Array<{ start: number; end: number; masterPort: number }>> {
    const reply = (await this.command(port, 'cluster', 'slots')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
    return reply.map(([start, end, master]) => ({ start, end, masterPort: Number(master[1]) }));
  }
}

/** One command on one node over a short-lived connection that never retries. */
export function command(port: number, name: string, ...args: Array<string | number>): Promise<unknown> {
  return commandOn({ port }, name, ...args);
}

/** `command` on a node that may require a password (`requirepass`). */
export function commandOn(node: { port: number; password?: string }, name: string, ...args: Array<string | number>): Promise<unknown> {
  return onNode(node, (redis) => redis.call(name, ...args));
}

/** Runs `use` with a short-lived connection to one node that never retries (errors reject `use`'s commands). */
export async function onNode<T>(node: { port: number; password?: string }, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: HOST,
    port: node.port,
    password: node.password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
  });
  redis.on('error', () => undefined); // reported through the rejected command instead
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandOn, type NodeAddress } from './redis-cluster.js';
import { RedisServer } from './redis-server.js';
import { waitUntil } from './wait-until.js';

const HOST = '127.0.0.1';
const QUORUM = 2;

/**
 * A real Sentinel setup on loopback: 1 master, 1 replica and 3 Sentinels (quorum 2), every
 * process a RedisServer stopped by PID. A 1 s down-after makes a failover take a few seconds.
 */
export class RedisSentinel {
  readonly name = 'mymaster';
  private master?: RedisServer;
  private replica?: RedisServer;
  private readonly watchers: RedisServer[] = [];
  private readonly confDir = mkdtempSync(join(tmpdir(), 'cache-test-sentinel-'));
  private failedOver = false;

  private constructor(
    private readonly password?: string,
    private readonly serverArgs: string[] = [],
  ) {}

  /**
   * `password`: the master and the replica require it (`requirepass`, and `masterauth` to replicate), and so do the
   * Sentinels, which use it with the servers (`auth-pass`) and with each other (their own `requirepass`). `serverArgs`:
   * more redis-server arguments for the master and the replica (an ACL user), not for the Sentinels.
   */
  static async start(options: { password?: string; serverArgs?: string[] } = {}): Promise<RedisSentinel> {
    const setup = new RedisSentinel(options.password, options.serverArgs);
    try {
      await setup.launch();
      return setup;
    } catch (error) {
      await setup.stop();
      throw error;
    }
  }

  /** The Sentinels' addresses (what a client is given). */
  get sentinels(): NodeAddress[] {
    return this.watchers.map((sentinel) => ({ host: HOST, port: sentinel.port }));
  }

  /** The ports of the master and the replica (not the Sentinels). */
  get servers(): number[] {
    return [this.master!.port, this.replica!.port];
  }

  /** The port of the server that is master now. */
  get masterPort(): number {
    return (this.failedOver ? this.replica : this.master)!.port;
  }

  /** Crashes the master (SIGKILL by PID); the Sentinels then promote the replica. */
  async killMaster(): Promise<void> {
    if (this.failedOver) throw new Error('the master was already killed');
    await this.master!.stop('SIGKILL');
    this.failedOver = true;
  }

  /** Waits until every Sentinel names the replica as master and the replica acts as one. */
  waitForFailover(timeoutMs = 20_000): Promise<void> {
    const promoted = String(this.replica!.port);
    return waitUntil('the Sentinels to promote the replica', timeoutMs, async () => {
      for (const sentinel of this.watchers) {
        const [, port] = (await this.command(sentinel.port, 'sentinel', 'get-master-addr-by-name', this.name)) as [string, string];
        if (port !== promoted) return false;
      }
      return ((await this.command(this.replica!.port, 'role')) as unknown[])[0] === 'master';
    });
  }

  /** Stops every process by PID and removes the folders. */
  async stop(): Promise<void> {
    await Promise.all([...this.watchers, this.replica, this.master].map((server) => server?.dispose()));
    rmSync(this.confDir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    // No 5 s wait for more replicas before the first full sync (the default diskless-sync delay).
    const auth = [
      ...(this.password === undefined ? [] : ['--requirepass', this.password, '--masterauth', this.password]),
      ...this.serverArgs,
    ];
    this.master = await RedisServer.start(['--repl-diskless-sync-delay', '0', ...auth]);
    this.replica = await RedisServer.start(['--replicaof', HOST, String(this.master.port), ...auth]);
    // A Sentinel learns of replicas from the master's INFO: the replica must be attached before they start.
    await waitUntil(
      'the replica to sync',
      10_000,
      async () => ((await this.command(this.replica!.port, 'role')) as unknown[])[3] === 'connected',
    );
    for (let i = 0; i < 3; i++) {
      const configFile = join(this.confDir, `sentinel-${i}.conf`);
      writeFileSync(
        configFile,
        [
          `sentinel monitor ${this.name} ${HOST} ${this.master.port} ${QUORUM}`,
          `sentinel down-after-milliseconds ${this.name} 1000`,
          `sentinel failover-timeout ${this.name} 3000`,
          ...(this.password === undefined ? [] : [`sentinel auth-pass ${this.name} ${this.password}`, `requirepass ${this.password}`]),
          `bind ${HOST}`,
          '',
        ].join('\n'),
      );
      this.watchers.push(await RedisServer.start(['--sentinel'], { configFile, readyLine: '+monitor master' }));
    }
    // A failover needs votes: every Sentinel must have found the others (hello messages every 2 s) and the replica.
    await waitUntil('the Sentinels to find each other and the replica', 15_000, async () => {
      for (const sentinel of this.watchers) {
        const peers = (await this.command(sentinel.port, 'sentinel', 'sentinels', this.name)) as unknown[];
        const replicas = (await this.command(sentinel.port, 'sentinel', 'replicas', this.name)) as string[][];
        if (peers.length < 2 || replicas.length < 1 || replicas.some((fields) => fieldOf(fields, 'flags') !== 'slave')) return false;
      }
      return true;
    });
  }

  /** One command on one process of the setup, with its password if it has one. */
  private command(port: number, name: string, ...args: Array<string | number>): Promise<unknown> {
    return commandOn({ port, password: this.password }, name, ...args);
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  const index = fields.indexOf(name);
  return index >= 0 && index % 2 === 0 ? fields[index + 1] : undefined;
}

import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import type { RateLimitedLogger } from '../../kernel/rate-limited-logger.js';
import type { CacheStore, DeletePrefixOptions, ServerProbe, StoreEntry } from '../cache-store.interface.js';
import { CREATED_AT_OFFSET } from '../delete-created-before.js';
import { FIXED_HEADER_BYTES, MARKER } from '../../entry/entry-format.js';
import type { RedisClient, RedisConnection } from './redis-connection.js';
import { ConnectionErrors } from './connection-errors.js';
import { TickWriteBatch } from './tick-write-batch.js';
import { printedAs } from '../../kernel/printed-as.js';

const SCAN_BATCH = 1000;
/**
 * Lone cluster writes in flight at once in an mset: enough to keep every master busy, few enough that a
 * large mset on a slow host does not leave its last commands waiting out their timeout behind the rest.
 */
const CLUSTER_WRITE_WINDOW = 256;

/** Deletes the lock only while it still holds the caller's token (atomic on the server). */
const RELEASE_LOCK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Writes ARGV[2] (PX ARGV[3]; ARGV[3] '0': no expiry) only while the key starts with ARGV[1]; GETRANGE reads the
 * header, not the whole value.
 */
const SET_IF_UNCHANGED_SCRIPT = `if redis.call('GETRANGE', KEYS[1], 0, string.len(ARGV[1]) - 1) ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

/**
 * A load lease (lib/entry/load-lease.ts: 17 bytes, first 0xC1): a lease already there is returned (joined); an absent
 * key, or one still starting with ARGV[3] (an entry the lookup would not serve), gets ARGV[1] (PX ARGV[2]); anything
 * else is returned by its first 17 bytes, enough to tell it from a lease.
 */
const ACQUIRE_LEASE_SCRIPT = `local current = redis.call('GET', KEYS[1])
if current and string.len(current) == 17 and string.byte(current, 1) == 193 then return current end
if current and (ARGV[3] == '' or string.sub(current, 1, string.len(ARGV[3])) ~= ARGV[3]) then return string.sub(current, 1, 17) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/**
 * Unlinks each key unless it holds an entry (a fixed header starting with ARGV[2]) created at or after ARGV[1]: the
 * u48 at ARGV[3] (0-based). Anything else (absent, an old format, a token, another type) is unlinked as DEL would.
 */
const DELETE_CREATED_BEFORE_SCRIPT = `local before, marker, at = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) + 1
local removed = 0
for _, key in ipairs(KEYS) do
  local header = redis.pcall('GETRANGE', key, 0, ${FIXED_HEADER_BYTES - 1})
  local created = -1
  if type(header) == 'string' and #header == ${FIXED_HEADER_BYTES} and string.byte(header, 1) == marker then
    created = 0
    for i = at, at + 5 do created = created * 256 + string.byte(header, i) end
  end
  if created < before then removed = removed + redis.call('UNLINK', key) end
end
return removed`;

/** The product's backend: one ioredis client (standalone, Sentinel or Cluster). */
export class RedisStore implements CacheStore, ServerProbe {
  readonly kind = 'redis';
  private readonly client: RedisClient;
  private readonly owned: boolean;
  private readonly isCluster: boolean;
  /** Held before each command so that one tick's commands leave in one write (none on a Cluster). */
  private readonly batch?: TickWriteBatch;
  private connecting?: Promise<void>;
  /** Only for a client the module created: a user's client reports its own errors. */
  private readonly connectionErrors?: ConnectionErrors;
  private readonly openDeadlineMs: number;

  constructor(connection: RedisConnection, logger: RateLimitedLogger) {
    this.client = connection.client;
    this.owned = connection.owned;
    this.openDeadlineMs = connection.openDeadlineMs;
    this.isCluster = connection.client instanceof Cluster;
    if (!(connection.client instanceof Cluster)) this.batch = new TickWriteBatch(connection.client);
    if (this.owned) this.connectionErrors = new ConnectionErrors(this.client, logger);
    printedAs(this, 'RedisStore', () => ({ kind: this.kind, status: this.client.status }));
  }

  get(key: string): Promise<Buffer | null> {
    this.batch?.hold();
    return this.client.getBuffer(key); // no extra async layer: this is the hot path
  }

  mget(keys: readonly string[]): Promise<Array<Buffer | null>> {
    if (keys.length === 0) return Promise.resolve([]);
    this.batch?.hold();
    if (!this.isCluster) return this.client.mgetBuffer(keys as string[]); // no extra async layer: a tagged read's hot path
    return this.mgetBySlot(keys);
  }

  private async mgetBySlot(keys: readonly string[]): Promise<Array<Buffer | null>> {
    // A cluster refuses MGET across slots (CROSSSLOT): one MGET per slot, answers put back in the order asked.
    const values = new Array<Buffer | null>(keys.length);
    await Promise.all(
      bySlot(keys).map(async (positions) => {
        const found = await this.client.mgetBuffer(positions.map((position) => keys[position]));
        positions.forEach((position, i) => (values[position] = found[i]));
      }),
    );
    return values;
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<unknown> {
    this.batch?.hold();
    // No extra async layer: this is the hot path. An infinite TTL ('never') is a SET without PX.
    return ttlMs === Infinity ? this.client.set(key, value) : this.client.set(key, value, 'PX', ttlMs);
  }

  async setIfUnchanged(key: string, expected: Buffer, value: Buffer, ttlMs: number): Promise<boolean> {
    this.batch?.hold();
    return (await this.client.eval(SET_IF_UNCHANGED_SCRIPT, 1, key, expected, value, ttlMs === Infinity ? 0 : ttlMs)) === 1;
  }

  async acquireLease(key: string, lease: Buffer, ttlMs: number, expected?: Buffer): Promise<Buffer | null> {
    this.batch?.hold();
    // evalBuffer (every ioredis command has a Buffer twin, untyped for EVAL): the reply may be binary.
    const evalBuffer = (this.client as unknown as { evalBuffer: RedisClient['eval'] }).evalBuffer.bind(this.client);
    return (await evalBuffer(ACQUIRE_LEASE_SCRIPT, 1, key, lease, ttlMs, expected ?? '')) as Buffer | null;
  }

  async releaseLease(key: string, lease: Buffer): Promise<void> {
    this.batch?.hold();
    await this.client.eval(RELEASE_LOCK_SCRIPT, 1, key, lease);
  }

  async mset(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    if (entries.length === 0) return;
    if (this.isCluster) {
      // One SET PX per entry, a window of them in flight at once. Not MSET: it has no TTL. Not a pipeline per slot:
      // keys rarely share a slot, and ioredis follows MOVED or a failover for each lone command, but for a cluster
      // pipeline only when every command in it failed alike (one that half-applied its writes just fails).
      for (let start = 0; start < entries.length; start += CLUSTER_WRITE_WINDOW) {
        const window = entries.slice(start, start + CLUSTER_WRITE_WINDOW);
        await Promise.all(window.map(({ key, value, ttlMs }) => this.set(key, value, ttlMs)));
      }
      return;
    }
    this.batch?.hold();
    const pipeline = this.client.pipeline();
    for (const { key, value, ttlMs } of entries) {
      if (ttlMs === Infinity) pipeline.set(key, value);
      else pipeline.set(key, value, 'PX', ttlMs);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    this.batch?.hold();
    if (!this.isCluster) return this.client.unlink(...keys);
    // A cluster refuses UNLINK across slots (CROSSSLOT): one UNLINK per slot.
    const counts = await Promise.all(bySlot(keys).map((positions) => this.client.unlink(...positions.map((position) => keys[position]))));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async deleteCreatedBefore(keys: readonly string[], createdBefore: number): Promise<number> {
    // One script per SCAN-sized batch of one slot: single-slot on a Cluster, and short enough not to stall the server.
    const batches = (this.isCluster ? bySlot(keys).map((positions) => positions.map((position) => keys[position])) : [keys]).flatMap(
      (group) => chunks(group, SCAN_BATCH),
    );
    this.batch?.hold();
    const counts = await Promise.all(
      batches.map(async (batch) => {
        const removed = await this.client.eval(
          DELETE_CREATED_BEFORE_SCRIPT,
          batch.length,
          ...batch,
          createdBefore,
          MARKER,
          CREATED_AT_OFFSET,
        );
        return removed as number;
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async has(key: string): Promise<boolean> {
    this.batch?.hold();
    return (await this.client.exists(key)) === 1;
  }

  async ttl(key: string): Promise<number | undefined> {
    this.batch?.hold();
    const millis = await this.client.pttl(key);
    if (millis === -2) return undefined;
    return millis === -1 ? Number.POSITIVE_INFINITY : millis;
  }

  async deletePrefix(prefix: string, options: DeletePrefixOptions = {}): Promise<number> {
    const { keep, createdBefore } = options;
    const pattern = `${escapeGlob(prefix)}*`;
    // SCAN sees one node's keys only: in a cluster every master is scanned (and its keys span many slots,
    // which delete() splits). No known master means the cluster is not connected: clearing nothing would lie.
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    if (nodes.length === 0) throw new Error('Redis Cluster has no known master to clear (not connected)');
    let removed = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
        cursor = next;
        const doomed = keep === undefined ? keys : keys.filter((key) => !keep(key));
        if (doomed.length === 0) continue;
        removed += createdBefore === undefined ? await this.delete(doomed) : await this.deleteCreatedBefore(doomed, createdBefore);
      } while (cursor !== '0');
    }
    return removed;
  }

  async ensureTokens(keys: readonly string[], candidates: readonly string[], ttlMs: number): Promise<string[]> {
    this.batch?.hold();
    // All issued in this tick: one round trip (one per node on a Cluster). NX GET needs Redis 7.0.
    const previous = await Promise.all(
      keys.map((key, i) =>
        ttlMs === Infinity ? this.client.set(key, candidates[i], 'NX', 'GET') : this.client.set(key, candidates[i], 'PX', ttlMs, 'NX', 'GET'),
      ),
    );
    return previous.map((token, i) => token ?? candidates[i]);
  }

  async replaceTokens(keys: readonly string[], tokens: readonly string[]): Promise<void> {
    this.batch?.hold();
    await Promise.all(keys.map((key, i) => this.client.set(key, tokens[i], 'KEEPTTL', 'XX')));
  }

  async extendTokens(keys: readonly string[], ttlMs: number): Promise<void> {
    this.batch?.hold();
    // A token of an entry that never expires must not either: PERSIST (PEXPIRE GT never shortens, nor can it remove a TTL).
    await Promise.all(keys.map((key) => (ttlMs === Infinity ? this.client.persist(key) : this.client.pexpire(key, ttlMs, 'GT'))));
  }

  async putToken(key: string, token: string, ttlMs: number): Promise<void> {
    this.batch?.hold();
    await (ttlMs === Infinity ? this.client.set(key, token) : this.client.set(key, token, 'PX', ttlMs));
  }

  async acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    this.batch?.hold();
    return (await this.client.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async releaseLock(key: string, token: string): Promise<void> {
    this.batch?.hold();
    await this.client.eval(RELEASE_LOCK_SCRIPT, 1, key, token);
  }

  async ping(): Promise<void> {
    this.batch?.hold();
    await this.client.ping();
  }

  info(section: string): Promise<string> {
    this.batch?.hold();
    return this.client.info(section);
  }

  connect(): Promise<void> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined; // let a later call try again
      throw error;
    });
    return this.connecting;
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    // QUIT only on a working connection: on one still connecting it would wait in the offline queue (forever, for a
    // Sentinel set that never answers).
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async open(): Promise<void> {
    if (this.client.status === 'wait') {
      if (this.connectionErrors) await this.connectionErrors.whileOpening(() => this.client.connect(), this.openDeadlineMs);
      else await this.client.connect();
    }
    await this.client.ping();
  }
}

/** Positions of `keys` grouped by cluster hash slot, so each group can go in one command. */
function bySlot(keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((key, position) => {
    const slot = calculateSlot(key);
    const group = groups.get(slot);
    if (group) group.push(position);
    else groups.set(slot, [position]);
  });
  return [...groups.values()];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Escapes Redis glob characters so a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

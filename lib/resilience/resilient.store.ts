import { CircuitBreaker, CircuitOpenError } from './circuit-breaker.js';
import type { CacheStore, DeletePrefixOptions, StoreEntry } from '../stores/cache-store.interface.js';
import { deleteCreatedBefore } from '../stores/delete-created-before.js';
import { isOutage } from '../kernel/redis-error-classifier.js';
import { setIfUnchanged } from '../stores/set-if-unchanged.js';

/**
 * Puts a circuit breaker in front of a store. Only failures that say Redis is unusable
 * (timeouts, lost connections, LOADING, cluster down) count; an error reply from a working
 * server (OOM, a wrong type) does not trip the breaker.
 */
export class ResilientStore implements CacheStore {
  // Bound once: every command's reply is watched with these instead of closures allocated per call.
  private readonly passed = <T>(result: T): T => {
    this.breaker.success();
    return result;
  };
  private readonly judged = (error: unknown): void => {
    if (isOutage(error)) this.breaker.failure();
    else this.breaker.success(); // the server answered: it is up
  };

  /**
   * @param isDown says the connection is known to be down (reconnecting): failing at once then keeps
   *   commands out of the client's offline queue, where they would pile up and be sent late.
   */
  constructor(
    private readonly inner: CacheStore,
    private readonly breaker: CircuitBreaker,
    private readonly isDown: () => boolean,
  ) {
    if (inner.acquireLease !== undefined) {
      const acquire = inner.acquireLease.bind(inner);
      this.acquireLease = (key, lease, ttlMs, expected) => this.guard(() => acquire(key, lease, ttlMs, expected));
    }
    if (inner.releaseLease !== undefined) {
      const release = inner.releaseLease.bind(inner);
      this.releaseLease = (key, lease) => this.guard(() => release(key, lease));
    }
  }

  get kind(): string {
    return this.inner.kind;
  }

  get(key: string): Promise<Buffer | null | undefined> {
    return this.refusal() ?? this.watched(this.inner.get(key));
  }

  mget(keys: readonly string[]): Promise<Array<Buffer | null | undefined>> {
    return this.guard(() => this.inner.mget(keys));
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<unknown> {
    return this.refusal() ?? this.watched(this.inner.set(key, value, ttlMs));
  }

  setIfUnchanged(key: string, expected: Buffer, value: Buffer, ttlMs: number): Promise<boolean> {
    return this.guard(() => setIfUnchanged(this.inner, key, expected, value, ttlMs));
  }

  /** Present only when the wrapped store has it: read-through then writes loads unconditionally. */
  readonly acquireLease?: (key: string, lease: Buffer, ttlMs: number, expected?: Buffer) => Promise<Buffer | null>;
  readonly releaseLease?: (key: string, lease: Buffer) => Promise<void>;

  mset(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    return this.guard(() => this.inner.mset(entries));
  }

  delete(keys: readonly string[]): Promise<number> {
    return this.guard(() => this.inner.delete(keys));
  }

  has(key: string): Promise<boolean> {
    return this.guard(() => this.inner.has(key));
  }

  ttl(key: string): Promise<number | undefined> {
    return this.guard(() => this.inner.ttl(key));
  }

  deleteCreatedBefore(keys: readonly string[], createdBefore: number): Promise<number> {
    return this.guard(() => deleteCreatedBefore(this.inner, keys, createdBefore));
  }

  deletePrefix(prefix: string, options?: DeletePrefixOptions): Promise<number> {
    return this.guard(() => this.inner.deletePrefix(prefix, options));
  }

  ensureTokens(keys: readonly string[], candidates: readonly string[], ttlMs: number): Promise<string[]> {
    return this.guard(() => this.inner.ensureTokens(keys, candidates, ttlMs));
  }

  replaceTokens(keys: readonly string[], tokens: readonly string[]): Promise<void> {
    return this.guard(() => this.inner.replaceTokens(keys, tokens));
  }

  extendTokens(keys: readonly string[], ttlMs: number): Promise<void> {
    return this.guard(() => this.inner.extendTokens(keys, ttlMs));
  }

  putToken(key: string, token: string, ttlMs: number): Promise<void> {
    return this.guard(() => this.inner.putToken(key, token, ttlMs));
  }

  acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.guard(() => this.inner.acquireLock(key, token, ttlMs));
  }

  releaseLock(key: string, token: string): Promise<void> {
    return this.guard(() => this.inner.releaseLock(key, token));
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Runs any command behind the breaker and the known-down check (health probes use it, so a PING can be the half-open probe). */
  guard<T>(command: () => Promise<T>): Promise<T> {
    return this.refusal() ?? this.watched(command());
  }

  /**
   * The reply itself, with the breaker told of its outcome on a side branch: the caller's `await` then resumes in the
   * same microtask turn as the breaker's reaction (registered first, so it runs first) instead of one hop later.
   */
  private watched<T>(reply: Promise<T>): Promise<T> {
    reply.then(this.passed, this.judged);
    return reply;
  }

  /**
   * A rejection to return instead of sending, or undefined to go ahead. A known-down connection is
   * checked first and is not a breaker failure: nothing was tried (and a half-open probe is not used up).
   */
  private refusal(): Promise<never> | undefined {
    if (this.isDown()) return Promise.reject(new ConnectionDownError());
    if (!this.breaker.allow()) return Promise.reject(new CircuitOpenError());
    return undefined;
  }
}

/** Thrown instead of queueing a command while the client is reconnecting (or a Cluster is not ready). */
export class ConnectionDownError extends Error {
  override readonly name = 'ConnectionDownError';

  constructor() {
    super('Redis connection is down (not connected or reconnecting)');
  }
}

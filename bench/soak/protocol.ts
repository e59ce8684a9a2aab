import type { SoakTiming } from './keyspace.js';

/** Where the cache lives, as both instances and the writer reach it. */
export type CacheTarget = { url: string } | { cluster: Array<{ host: string; port: number }> };

/** What the coordinator hands an instance process (argv[2], JSON). */
export interface InstanceConfig {
  id: number;
  target: CacheTarget;
  /** The source of truth: a redis-server of its own, never faulted. */
  sourceUrl: string;
  timing: SoakTiming;
  /** l1 without invalidation messages (ttl coherence, entries kept up to the TTL): the run must go stale. */
  mustGoStale: boolean;
  /** Operations per second this instance issues. */
  rate: number;
}

export interface WriterConfig {
  target: CacheTarget;
  sourceUrl: string;
  /** Writer operations per second. */
  rate: number;
}

/**
 * One read, as a tuple (a 30-minute run sends millions): key index, version read (-1: none), when the value was read
 * from the source (r), when the call started, how long it took (ms), flags.
 */
export type ReadRecord = [key: number, version: number, sourceReadAt: number, startedAt: number, durationMs: number, flags: number];
export const READ_FLAGS = {
  /** the call was a getOrSet (otherwise a get) */
  getOrSet: 1,
  /** served by the cache: this call ran no loader and the value was loaded before it began */
  hit: 2,
  /** the call rejected */
  error: 4,
  /** the value returned belongs to another key */
  wrongKey: 8,
} as const;

/** Batches an instance sends (process.send) every 250 ms. */
export interface InstanceReport {
  type: 'report';
  instance: number;
  reads: ReadRecord[];
  /** [key index, epoch ms] of each loader run in this instance */
  loads: Array<[number, number]>;
  /** [epoch ms, rss bytes, heapUsed bytes] */
  memory: Array<[number, number, number]>;
  /** first messages of caller errors (a few per batch) */
  errorSamples: string[];
  l1Hits: number;
}

/** A change the writer made: keys with their new versions, committed to the source at `committedAt`. */
export interface WriterChange {
  type: 'change';
  id: number;
  how: 'key' | 'tag' | 'prefix' | 'silent';
  keys: Array<[number, number]>;
  committedAt: number;
  /** when the invalidation was acknowledged (undefined: silent, or it failed) */
  ackAt?: number;
  failed?: string;
}

/** Failed invalidations the writer's queue has applied since (its pending gauge went back to 0). */
export interface WriterReplayed {
  type: 'replayed';
  ids: number[];
  at: number;
  dropped: number;
}

export type WriterMessage = WriterChange | WriterReplayed | { type: 'ready' } | { type: 'done'; unreplayed: number[]; dropped: number };
export type InstanceMessage = InstanceReport | { type: 'ready'; instance: number } | { type: 'done'; instance: number };

/** The coordinator's go, once every child is ready: run until `stopAt` (epoch ms). */
export interface StartMessage {
  type: 'start';
  stopAt: number;
}

/** Resolves with the coordinator's stop time once it says go. */
export function startSignal(): Promise<number> {
  return new Promise((resolve) => process.once('message', (message) => resolve((message as StartMessage).stopAt)));
}

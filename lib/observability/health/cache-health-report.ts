import type { CircuitState } from '../../resilience/circuit-breaker.js';
import type { ProbeResult } from './health-probe.js';

export type CacheHealthStatus = 'up' | 'degraded' | 'down';

/** A Terminus health indicator result: `{ [key]: { status, ...details } }`. */
export type CacheHealthResult<Key extends string = string> = Record<Key, { status: CacheHealthStatus; [detail: string]: unknown }>;

/** Why the cache is not `up`: a bounded code, safe for logs and alert rules. */
export type CacheHealthReason = 'redis_unreachable' | 'circuit_open' | 'memory_high';

/** What a health check reports: a status and the details behind it (no keys, no secrets). */
export interface CacheHealthReport {
  status: CacheHealthStatus;
  details: {
    store: string;
    reason?: CacheHealthReason;
    /** The error classifier's reason when Redis was not reached ('timeout', 'connection', …). */
    cause?: string;
    pingMs?: number;
    circuit?: CircuitState;
    memory?: { usedBytes: number; maxBytes: number; ratio?: number };
  };
}

export interface HealthJudgement {
  store: string;
  /** Undefined when the backend is no server to PING (the embedded store, a store of your own). */
  probe?: ProbeResult;
  circuit?: CircuitState;
  required: boolean;
  memoryThreshold: number;
}

/**
 * `down` only for a required cache that cannot be used; a cache that fails open (Redis unreachable, circuit open)
 * is `degraded`, as is one whose Redis is near its memory limit.
 */
export function judgeHealth({ store, probe, circuit, required, memoryThreshold }: HealthJudgement): CacheHealthReport {
  const memory = probe?.memory && {
    ...probe.memory,
    ratio: probe.memory.maxBytes > 0 ? Math.round((probe.memory.usedBytes / probe.memory.maxBytes) * 1000) / 1000 : undefined,
  };
  const details: CacheHealthReport['details'] = { store, pingMs: probe?.pingMs, circuit, memory };
  const circuitOpen = (circuit !== undefined && circuit !== 'closed') || probe?.reason === 'circuit_open';
  const unusable: CacheHealthReason | undefined = circuitOpen
    ? 'circuit_open'
    : probe !== undefined && !probe.reachable
      ? 'redis_unreachable'
      : undefined;
  if (unusable !== undefined) {
    return { status: required ? 'down' : 'degraded', details: { ...details, reason: unusable, cause: probe?.reason } };
  }
  if (memory?.ratio !== undefined && memory.ratio >= memoryThreshold)
    return { status: 'degraded', details: { ...details, reason: 'memory_high' } };
  return { status: 'up', details };
}

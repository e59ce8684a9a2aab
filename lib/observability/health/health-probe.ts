import { errorReason } from '../../kernel/redis-error-classifier.js';
import type { ServerProbe } from '../../stores/cache-store.interface.js';
import { parseMemoryInfo, type RedisMemory } from './redis-memory.js';

/** What one probe of Redis found. */
export interface ProbeResult {
  /** Redis answered the PING. */
  reachable: boolean;
  pingMs?: number;
  /** From `INFO memory` after the PING; undefined when INFO failed or is not allowed. */
  memory?: RedisMemory;
  /** Why Redis was not reached: 'timeout', 'connection', 'circuit_open', … (the error classifier's reasons). */
  reason?: string;
}

/** Probes share one PING for this long, so a storm of health checks costs one PING per second per instance. */
export const PROBE_INTERVAL_MS = 1000;

/**
 * PINGs Redis (then reads INFO memory) at most once per interval, however many health checks ask; every check sharing
 * a probe answers within `timeoutMs` of its start even when Redis hangs (the PING goes on, and feeds the breaker).
 */
export class HealthProbe {
  private last?: { startedAt: number; result: Promise<ProbeResult> };

  constructor(
    private readonly server: ServerProbe,
    private readonly timeoutMs: number,
  ) {}

  check(): Promise<ProbeResult> {
    const now = performance.now();
    if (this.last === undefined || now - this.last.startedAt >= PROBE_INTERVAL_MS) {
      this.last = { startedAt: now, result: withinTimeout(this.run(), this.timeoutMs) };
    }
    return this.last.result;
  }

  private async run(): Promise<ProbeResult> {
    const startedAt = performance.now();
    try {
      await this.server.ping();
    } catch (error) {
      return { reachable: false, reason: errorReason(error) };
    }
    const pingMs = Math.round((performance.now() - startedAt) * 100) / 100;
    const memory = await this.server.info('memory').then(parseMemoryInfo, () => undefined);
    return { reachable: true, pingMs, memory };
  }
}

function withinTimeout(probe: Promise<ProbeResult>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ reachable: false, reason: 'timeout' }), timeoutMs);
    timer.unref();
    void probe.then((result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

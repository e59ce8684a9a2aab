import { judgeHealth, type HealthJudgement } from '../../lib/observability/health/cache-health-report.js';
import { parseMemoryInfo } from '../../lib/observability/health/redis-memory.js';

const base: HealthJudgement = {
  store: 'redis',
  circuit: 'closed',
  required: false,
  memoryThreshold: 0.9,
  probe: { reachable: true, pingMs: 0.4 },
};

describe('judgeHealth', () => {
  it('is up when Redis answers, with the memory ratio when maxmemory is set', () => {
    const report = judgeHealth({ ...base, probe: { reachable: true, pingMs: 0.4, memory: { usedBytes: 50, maxBytes: 100 } } });
    expect(report).toEqual({
      status: 'up',
      details: { store: 'redis', pingMs: 0.4, circuit: 'closed', memory: { usedBytes: 50, maxBytes: 100, ratio: 0.5 } },
    });
  });

  it('is degraded from the memory threshold on, never down for memory', () => {
    const probe = { reachable: true, pingMs: 1, memory: { usedBytes: 90, maxBytes: 100 } };
    expect(judgeHealth({ ...base, probe }).details.reason).toBe('memory_high');
    expect(judgeHealth({ ...base, probe, required: true }).status).toBe('degraded');
    expect(judgeHealth({ ...base, probe: { ...probe, memory: { usedBytes: 89, maxBytes: 100 } } }).status).toBe('up');
    expect(judgeHealth({ ...base, probe: { ...probe, memory: { usedBytes: 10 ** 9, maxBytes: 0 } } }).status).toBe('up'); // no limit
  });

  it('fails open (degraded) when Redis is unreachable or the circuit is open; down only when required', () => {
    const unreachable = { reachable: false, reason: 'timeout' };
    expect(judgeHealth({ ...base, probe: unreachable })).toMatchObject({
      status: 'degraded',
      details: { reason: 'redis_unreachable', cause: 'timeout' },
    });
    expect(judgeHealth({ ...base, probe: unreachable, required: true }).status).toBe('down');
    expect(judgeHealth({ ...base, circuit: 'open' })).toMatchObject({ status: 'degraded', details: { reason: 'circuit_open' } });
    expect(judgeHealth({ ...base, circuit: 'half-open', required: true }).status).toBe('down');
    const refused = { reachable: false, reason: 'circuit_open' };
    expect(judgeHealth({ ...base, probe: refused }).details.reason).toBe('circuit_open');
  });

  it('is up for a store without a server to PING', () => {
    expect(judgeHealth({ store: 'memory', required: true, memoryThreshold: 0.9 }).status).toBe('up');
  });
});

describe('parseMemoryInfo', () => {
  it('reads used_memory and maxmemory from INFO memory, undefined when either is missing', () => {
    expect(parseMemoryInfo('# Memory\r\nused_memory:1024\r\nused_memory_human:1.00K\r\nmaxmemory:4096\r\n')).toEqual({
      usedBytes: 1024,
      maxBytes: 4096,
    });
    expect(parseMemoryInfo('# Memory\r\nused_memory:1024\r\n')).toBeUndefined();
  });
});

import { estimateFootprint } from '../../lib/observability/footprint/footprint-estimate.js';
import type { NodeSample } from '../../lib/observability/footprint/keyspace-sample.js';
import { parseInfo } from '../../lib/observability/redis-info/redis-info.js';

function node(dbsize: number, drawn: number, exhaustive: boolean, found: Record<string, { seen: number; sizes: number[] }>): NodeSample {
  return { dbsize, drawn, exhaustive, namespaces: new Map(Object.entries(found)) };
}

describe('estimateFootprint', () => {
  it('counts exactly what an exhaustive read saw (relative error 0)', () => {
    const report = estimateFootprint([node(3, 3, true, { a: { seen: 2, sizes: [100, 300] } })], ['a'], 1);
    expect(report).toEqual({ sampledAt: 1, namespaces: { a: { keys: 2, bytes: 400, keysError: 0, bytesError: 0 } } });
  });

  it('scales the share of draws to DBSIZE, with the standard error √((1 − p) / (n·p))', () => {
    const sizes = Array.from({ length: 100 }, () => 200);
    const { a } = estimateFootprint([node(100_000, 1000, false, { a: { seen: 100, sizes } })], ['a'], 0).namespaces;
    expect(a.keys).toBe(10_000);
    expect(a.bytes).toBe(2_000_000);
    expect(a.keysError).toBeCloseTo(Math.sqrt(0.9 / 100), 4);
    expect(a.bytesError).toBeCloseTo(a.keysError, 4); // every sized key the same size: the mean is exact
  });

  it('adds the masters of a Cluster up, each with its own share', () => {
    const { a } = estimateFootprint(
      [node(10_000, 500, false, { a: { seen: 50, sizes: [100] } }), node(30_000, 1500, false, { a: { seen: 300, sizes: [100] } })],
      ['a'],
      0,
    ).namespaces;
    expect(a.keys).toBe(1000 + 6000);
  });

  it('reports a namespace drawn 0 times as 0 keys with a relative error of 1 (unknown)', () => {
    const report = estimateFootprint([node(100_000, 1000, false, {})], ['a'], 0);
    expect(report.namespaces.a).toEqual({ keys: 0, bytes: 0, keysError: 1, bytesError: 1 });
  });
});

describe('parseInfo', () => {
  it('reads the numeric fields of an INFO reply, skipping sections and text', () => {
    const fields = parseInfo(
      '# Memory\r\nused_memory:1024\r\nused_memory_human:1.00K\r\nmem_fragmentation_ratio:1.53\r\n\r\n# Stats\r\nevicted_keys:7\r\n',
    );
    expect(Object.fromEntries(fields)).toEqual({ used_memory: 1024, mem_fragmentation_ratio: 1.53, evicted_keys: 7 });
  });
});

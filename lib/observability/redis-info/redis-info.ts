import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../../stores/redis/redis-connection.js';
import type { FleetJobWork } from '../fleet/fleet-job.js';
import { countField, objectField } from '../../telemetry/report-check.js';

/** The INFO fields the gauges show, over every master. */
export interface RedisInfoReport {
  usedMemory: number;
  maxMemory: number;
  evictedKeys: number;
  expiredKeys: number;
  /** The highest mem_fragmentation_ratio of the masters. */
  fragmentation: number;
}

/** One INFO per master: the memory fields added up (a Cluster's limit is the sum of its masters'), fragmentation the worst. */
export function redisInfoWork(
  client: RedisClient,
  settings: { intervalMs: number; turnKey: string; reportKey: string },
  publish: (report: RedisInfoReport) => void,
): FleetJobWork<RedisInfoReport> {
  return {
    name: 'redisInfo',
    ...settings,
    publish,
    check: checkRedisInfoReport,
    async produce() {
      const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
      const infos = await Promise.all(nodes.map(async (node) => parseInfo(await node.info())));
      return {
        usedMemory: sum(infos, 'used_memory'),
        maxMemory: sum(infos, 'maxmemory'),
        evictedKeys: sum(infos, 'evicted_keys'),
        expiredKeys: sum(infos, 'expired_keys'),
        fragmentation: Math.max(0, ...infos.map((info) => info.get('mem_fragmentation_ratio') ?? 0)),
      };
    },
  };
}

/** The numeric `field:value` lines of an INFO reply. */
export function parseInfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    const value = Number(line.slice(colon + 1));
    if (Number.isFinite(value)) fields.set(line.slice(0, colon), value);
  }
  return fields;
}

function sum(infos: ReadonlyArray<Map<string, number>>, field: string): number {
  return infos.reduce((total, info) => total + (info.get(field) ?? 0), 0);
}

/** An INFO report another instance shared, checked: five finite non-negative numbers. Throws InvalidReport. */
export function checkRedisInfoReport(value: unknown): RedisInfoReport {
  const report = objectField(value, 'the report');
  return {
    usedMemory: countField(report, 'usedMemory', 'the report'),
    maxMemory: countField(report, 'maxMemory', 'the report'),
    evictedKeys: countField(report, 'evictedKeys', 'the report'),
    expiredKeys: countField(report, 'expiredKeys', 'the report'),
    fragmentation: countField(report, 'fragmentation', 'the report'),
  };
}

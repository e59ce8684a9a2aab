import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheManager, CacheModule, type CacheFootprint } from '@datapunk/nestjs-cache';
import { commandTime, fillKeyspace, scanFootprint, totalUsec } from '../test/support/keyspace.js';

export interface FootprintPlan {
  /** Keys in the database. */
  keys: number;
  /** Namespaces of the module and their share of the keys; the rest belong to another application. */
  shares: ReadonlyArray<[namespace: string, share: number]>;
  /** Sampling runs (one application boot each: the sampler runs at boot). */
  runs: number;
  /** Database index of its own, so other sections' keys do not count. */
  db: number;
}

export interface NamespaceAccuracy {
  namespace: string;
  share: number;
  trueKeys: number;
  trueBytes: number;
  /** Per run: |estimate − truth| / truth. */
  keyErrors: number[];
  byteErrors: number[];
  /** The relative standard error the sampler reported, per run. */
  reportedKeyErrors: number[];
}

export interface FootprintResult {
  plan: FootprintPlan;
  /** Redis command time of each run (INFO commandstats: the sampler's commands), µs. */
  runUsec: number[];
  randomkeyCalls: number;
  memoryUsageCalls: number;
  /** Wall time of each run, from boot to the estimate, ms (for scale; the budget is Redis time). */
  runWallMs: number[];
  /** A full SCAN + MEMORY USAGE of every key (the exact method, as redis_exporter's key groups), µs of Redis time. */
  fullScanUsec: number;
  accuracy: NamespaceAccuracy[];
}

/** What a connection's handshake sends: not the sampler's cost. */
const HANDSHAKE = new Set(['info', 'ping', 'select', 'client|setinfo', 'client|setname']);

export async function benchFootprint(serverUrl: string, plan: FootprintPlan, log: (line: string) => void): Promise<FootprintResult> {
  const url = `${serverUrl}/${plan.db}`;
  const raw = new Redis(url);
  try {
    await raw.flushdb();
    await fillKeyspace(raw, plan.keys, plan.shares, 'another-app');
    const namespaces = plan.shares.map(([namespace]) => namespace);
    const truth = await scanFootprint(raw, namespaces);
    const accuracy: NamespaceAccuracy[] = plan.shares.map(([namespace, share]) => ({
      namespace,
      share,
      trueKeys: truth.get(namespace)!.keys,
      trueBytes: truth.get(namespace)!.bytes,
      keyErrors: [],
      byteErrors: [],
      reportedKeyErrors: [],
    }));
    const runUsec: number[] = [];
    const runWallMs: number[] = [];
    let randomkeyCalls = 0;
    let memoryUsageCalls = 0;
    for (let run = 0; run < plan.runs; run++) {
      await raw.del(`${namespaces[0]}:__monitor__:footprint:turn`); // each boot samples afresh
      await raw.config('RESETSTAT');
      const startedAt = performance.now();
      const estimates = await sampleAtBoot(url, namespaces);
      runWallMs.push(performance.now() - startedAt);
      const cost = await commandTime(raw);
      for (const name of HANDSHAKE) cost.delete(name);
      runUsec.push(totalUsec(cost));
      randomkeyCalls = cost.get('randomkey')?.calls ?? 0;
      memoryUsageCalls = cost.get('memory|usage')?.calls ?? 0;
      for (const row of accuracy) {
        const estimate = estimates.get(row.namespace)!;
        row.keyErrors.push(Math.abs(estimate.keys - row.trueKeys) / row.trueKeys);
        row.byteErrors.push(Math.abs(estimate.bytes - row.trueBytes) / row.trueBytes);
        row.reportedKeyErrors.push(estimate.relativeError.keys);
      }
      log(`footprint | run ${run + 1}: ${runUsec.at(-1)} µs of Redis time, ${runWallMs.at(-1)!.toFixed(0)} ms from boot to estimate`);
    }
    await raw.config('RESETSTAT');
    await scanFootprint(raw, namespaces.concat('another-app'));
    const fullScanUsec = totalUsec(await commandTime(raw));
    await raw.flushdb();
    return { plan, runUsec, randomkeyCalls, memoryUsageCalls, runWallMs, fullScanUsec, accuracy };
  } finally {
    raw.disconnect();
  }
}

/** Boots an application (footprint: {}, every minute) and returns the estimates its sampler made at boot. */
async function sampleAtBoot(url: string, namespaces: string[]): Promise<Map<string, CacheFootprint>> {
  const [root, ...others] = namespaces;
  const app = await NestFactory.createApplicationContext(
    CacheModule.forRoot({
      namespace: root,
      redis: { url },
      namespaces: Object.fromEntries(others.map((namespace) => [namespace, {}])),
      footprint: {},
    }),
    { logger: false },
  );
  try {
    const cache = app.get(CacheManager);
    const deadline = Date.now() + 30_000;
    while (cache.stats().footprint === null) {
      if (Date.now() > deadline) throw new Error('no footprint estimate within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return new Map(namespaces.map((namespace) => [namespace, cache.withNamespace(namespace).stats().footprint!]));
  } finally {
    await app.close();
  }
}

/** The section of bench/results.md. */
export function footprintSection(result: FootprintResult, method: string): string[] {
  const { plan, runUsec, fullScanUsec } = result;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
  const worstUsec = Math.max(...runUsec);
  const int = (value: number) => Math.round(value).toLocaleString('en-US');
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  return [
    '## Footprint sampler: cost and accuracy against a full SCAN',
    '',
    `- Method: ${method}`,
    '',
    `### Cost, ${plan.keys.toLocaleString('en-US')} keys, ${plan.runs} runs`,
    '',
    '| method | Redis command time per run: mean µs | median µs | worst µs | runs within 50 ms | ratio to full SCAN (mean) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| sampler (${int(result.randomkeyCalls)} RANDOMKEY + ${int(result.memoryUsageCalls)} MEMORY USAGE + DBSIZE, turn lock, shared report) | ${int(mean(runUsec))} | ${int(median(runUsec))} | ${int(worstUsec)} | ${runUsec.filter((usec) => usec <= 50_000).length}/${runUsec.length} | ${(mean(runUsec) / fullScanUsec).toFixed(2)}x |`,
    `| full SCAN + MEMORY USAGE of every key (exact) | ${int(fullScanUsec)} | | | | 1.00x |`,
    '',
    '- One run per minute per fleet at the default interval: the per-run time is the per-minute cost. Redis counts the time a command spends descheduled too, so a run during a burst of CPU starvation on this shared box reads high.',
    `- Wall time from boot to estimate: mean ${mean(result.runWallMs).toFixed(0)} ms (the sampler's round trips, 250 commands each; the app's own commands interleave).`,
    '',
    '### Accuracy',
    '',
    '| namespace | share of keys | true keys | keys: mean abs. error | keys: worst | bytes: mean abs. error | bytes: worst | runs within ±10 % (keys and bytes) | reported relative standard error (keys) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.accuracy.map((row) => {
      const within = row.keyErrors.filter((error, i) => error <= 0.1 && row.byteErrors[i] <= 0.1).length;
      return `| ${row.namespace} | ${pct(row.share)} | ${row.trueKeys.toLocaleString('en-US')} | ${pct(mean(row.keyErrors))} | ${pct(Math.max(...row.keyErrors))} | ${pct(mean(row.byteErrors))} | ${pct(Math.max(...row.byteErrors))} | ${within}/${row.keyErrors.length} | ${pct(mean(row.reportedKeyErrors))} |`;
    }),
    '',
    '- How to read: error = |estimate − full SCAN| ÷ full SCAN, per run; the goal is ±10 % for a namespace holding ≥ 10 % of the keys, at ≤ 50 ms of Redis command time per minute per fleet. A namespace under 10 % is estimated less precisely (its reported error says by how much).',
  ];
}

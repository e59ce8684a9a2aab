import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import { CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';

/**
 * The hot-key scenario of issue 9: a key read by `instances` application contexts on one Redis at `ratePerSec` in all
 * (open loop: requests start on a fixed cadence whatever the previous ones do), TTL `ttlMs`, a loader of `loaderMs`,
 * over `ttls` TTLs after one TTL of warm-up. Three variants in one run: refresh-ahead (the package's answer), the same
 * without refresh-ahead (callers wait at each expiry, with the lock), and a key that never expires (the steady state).
 */
export interface WarmingPlan {
  instances: number;
  ratePerSec: number;
  ttlMs: number;
  loaderMs: number;
  ttls: number;
  beta: number;
}

export interface VariantResult {
  name: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests that took longer than half the loader's time (on this busy box the steady state has some too). */
  slow: number;
  /** Loads a caller waited for (cache_loads_total{trigger="miss"} during the window): zero means nobody waited. */
  missLoads: number;
  loads: number;
  /** Generations first served during the window (the one current at its start excluded). */
  generations: number;
  durationMs: number;
}

export interface WarmingResult {
  plan: WarmingPlan;
  variants: VariantResult[];
}

const NAMESPACE = 'benchwarm';

/** cache_loads_total{namespace, trigger="miss"}, summed over the instances (one registry in this process). */
async function missLoads(): Promise<number> {
  const metric = register.getSingleMetric('cache_loads_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.namespace === NAMESPACE && v.labels.trigger === 'miss').reduce((sum, v) => sum + v.value, 0);
}

async function startInstances(url: string, count: number, options: Partial<CacheModuleOptions>): Promise<Array<{ app: INestApplicationContext; cache: CacheManager }>> {
  const instances = [];
  for (let i = 0; i < count; i++) {
    const app = await NestFactory.createApplicationContext(CacheModule.forRoot({ namespace: NAMESPACE, redis: { url }, lock: true, ...options }), {
      logger: false,
    });
    instances.push({ app, cache: app.get(CacheManager) });
  }
  return instances;
}

async function runVariant(url: string, plan: WarmingPlan, name: string, options: Partial<CacheModuleOptions>, ttlMs: number): Promise<VariantResult> {
  const instances = await startInstances(url, plan.instances, options);
  const key = `hot:${name.replace(/\W+/g, '-')}`;
  let loads = 0;
  let generation = 0;
  const loader = async () => {
    loads++;
    await sleep(plan.loaderMs);
    return { generation: ++generation };
  };
  try {
    // Warm-up: the first load, then one TTL of traffic (not measured).
    await instances[0].cache.getOrSet(key, loader, { ttl: ttlMs });
    const latencies: number[] = [];
    const served = new Set<number>();
    let errors = 0;
    const periodMs = (1000 * plan.instances) / plan.ratePerSec; // each instance's cadence
    const drive = async (measure: boolean, durationMs: number): Promise<void> => {
      const inFlight: Array<Promise<void>> = [];
      await Promise.all(
        instances.map(async ({ cache }, index) => {
          await sleep((periodMs * index) / plan.instances); // spread the instances' ticks
          const end = performance.now() + durationMs;
          for (let next = performance.now(); next < end; next += periodMs) {
            const startedAt = performance.now();
            inFlight.push(
              cache.getOrSet(key, loader, { ttl: ttlMs }).then(
                (value) => {
                  if (!measure) return;
                  latencies.push(performance.now() - startedAt);
                  served.add(value.generation);
                },
                () => void (errors += measure ? 1 : 0),
              ),
            );
            const wait = next + periodMs - performance.now();
            if (wait > 0) await sleep(wait);
          }
        }),
      );
      await Promise.all(inFlight);
    };
    await drive(false, plan.ttlMs);
    const loadsBefore = loads;
    const missesBefore = await missLoads();
    const startedAt = performance.now();
    await drive(true, plan.ttlMs * plan.ttls);
    const durationMs = performance.now() - startedAt;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      name,
      requests: latencies.length,
      errors,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: latencies.at(-1) ?? 0,
      slow: latencies.filter((ms) => ms > plan.loaderMs / 2).length,
      missLoads: (await missLoads()) - missesBefore,
      loads: loads - loadsBefore,
      generations: Math.max(0, served.size - 1),
      durationMs,
    };
  } finally {
    for (const { app } of instances) await app.close();
  }
}

export async function benchWarming(url: string, plan: WarmingPlan, log: (line: string) => void): Promise<WarmingResult> {
  const variants: VariantResult[] = [];
  const run = async (name: string, options: Partial<CacheModuleOptions>, ttlMs: number) => {
    const result = await runVariant(url, plan, name, options, ttlMs);
    log(
      `warming | ${name}: ${result.requests} requests, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, max ${result.maxMs.toFixed(1)} ms, ` +
        `${result.slow} slow, ${result.missLoads} loads waited for, ${result.loads} loads, ${result.generations} new generations served, ${result.errors} errors`,
    );
    variants.push(result);
  };
  await run('steady state (never expires)', {}, 10 * 60_000);
  await run(`refreshAhead { beta: ${plan.beta} }`, { refreshAhead: { beta: plan.beta } }, plan.ttlMs);
  await run('no refresh-ahead (lock only)', {}, plan.ttlMs);
  return { plan, variants };
}

/** The README-ready section: latencies against the steady state, and loads per expiry. */
export function warmingSection(result: WarmingResult, method: string): string[] {
  const [steady, ahead, plain] = result.variants;
  const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(2)}x` : 'n/a');
  const expiries = (r: VariantResult) => r.durationMs / result.plan.ttlMs;
  const row = (r: VariantResult, isSteady: boolean) =>
    `| ${r.name} | ${r.requests.toLocaleString('en-US')} | ${r.errors} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${ratio(r.p99Ms, steady.p99Ms)} | ${r.maxMs.toFixed(1)} | ${ratio(r.maxMs, steady.maxMs)} | ${r.slow} | ${r.missLoads} | ` +
    (isSteady ? '— | — | — |' : `${r.loads} | ${(r.loads / Math.max(1, r.generations)).toFixed(2)} | ${(r.loads / expiries(r)).toFixed(2)} |`);
  const perGeneration = ahead.loads / Math.max(1, ahead.generations);
  const goal = (met: boolean) => (met ? 'met' : '**missed**');
  return [
    '## Refresh-ahead: a hot key across instances',
    '',
    `- Method: ${method}`,
    '',
    `| variant | requests | errors | p50 ms | p99 ms | p99 vs steady | slowest ms | slowest vs steady | answers > ${result.plan.loaderMs / 2} ms | loads a caller waited for | loads | loads per generation | loads per TTL |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row(steady, true),
    row(ahead, false),
    row(plain, false),
    '',
    `Goal: after warm-up no request waits for the loader (refresh-ahead: ${ahead.missLoads} loads a caller waited for, ${goal(ahead.missLoads === 0)}; slowest answer ${ahead.maxMs.toFixed(1)} ms, ${ratio(ahead.maxMs, steady.maxMs)} the steady state's, against a ${result.plan.loaderMs} ms loader) ` +
      `and at most one load per expiry fleet-wide: ${perGeneration.toFixed(2)} loads per generation (goal ≤ 1.05: ${goal(perGeneration <= 1.05)}). ` +
      `Loads per TTL above 1 are the early refreshes: a generation lives its TTL minus the refresh lead (≈ δβ·ln(rate·δβ)).`,
  ];
}

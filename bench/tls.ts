import type { RedisOptions } from 'ioredis';
import { RedisServer } from '../test/support/redis-server.js';
import { makeTestCertificates } from '../test/support/test-certificates.js';
import { bestOfRounds, type PhaseLimits, type PhaseResult } from './measure.js';
import { pinRedis } from './pin.js';
import { nestjsCache, rawIoredis, type Stack } from './stacks.js';
import { SET_1KB, workloads } from './workloads.js';

/** The workloads of the main table that the TLS section repeats (small and large reads, a write). */
const TLS_WORKLOADS = ['get-hit 100 B, 1 in flight', 'get-hit 100 B, 64 in flight', SET_1KB, 'get-hit 100 KB, 16 in flight'];

export interface TlsPlan {
  rounds: number;
  warmup: PhaseLimits;
  measureMs: number;
}

export interface TlsRow {
  workload: string;
  rawPlain: PhaseResult;
  rawTls: PhaseResult;
  packagePlain: PhaseResult;
  packageTls: PhaseResult;
}

/**
 * Raw ioredis and this package, each over a plain connection (the main table's redis-server) and over TLS (a
 * TLS-only redis-server with a CA made by openssl for the run, pinned like the first when `pinned`), on the same workloads in
 * the same rounds.
 */
export async function benchTls(plainUrl: string, pinned: boolean, plan: TlsPlan, log: (line: string) => void): Promise<TlsRow[]> {
  const certificates = await makeTestCertificates();
  const server = await RedisServer.start([], { tls: certificates.server });
  // On the plain server's CPU, as pinCpus placed it: the two servers must run in the same conditions to be compared.
  if (pinned && server.pid !== undefined) pinRedis(server.pid);
  const tls: RedisOptions = { tls: { ca: certificates.ca } };
  const tlsUrl = `rediss://127.0.0.1:${server.port}`;
  const stacks: Stack[] = [];
  try {
    const named = (stack: Stack, transport: string): Stack => ({ ...stack, name: `${stack.name}, ${transport}` });
    stacks.push(
      named(await rawIoredis(plainUrl, false), 'plain'),
      named(await rawIoredis(tlsUrl, false, tls), 'TLS'),
      // A 5 s operationTimeout: writing 64 values of 100 KB at once must not abort the run on a busy box (250 ms by default).
      named(await nestjsCache(plainUrl, undefined, { namespace: 'bench-tls-plain', operationTimeout: 5000 }), 'plain'),
      named(await nestjsCache(tlsUrl, undefined, { namespace: 'bench-tls', options: tls, operationTimeout: 5000 }), 'TLS'),
    );
    const [rawPlain, rawTls, packagePlain, packageTls] = stacks;
    const rows: TlsRow[] = [];
    for (const workload of workloads.filter((candidate) => TLS_WORKLOADS.includes(candidate.name))) {
      for (const stack of stacks) await workload.prepare(stack);
      const best = await bestOfRounds(
        stacks,
        (stack, index) => workload.op(stack, index),
        {
          rounds: plan.rounds,
          concurrency: workload.concurrency,
          warmup: plan.warmup,
          measure: { maxOps: workload.maxOps, maxMs: plan.measureMs },
        },
        (stack, result, round) => log(`tls | ${workload.name} | ${stack.name} | round ${round + 1}: ${Math.round(result.opsPerSec)} ops/s`),
      );
      rows.push({
        workload: workload.name,
        rawPlain: best.get(rawPlain)!,
        rawTls: best.get(rawTls)!,
        packagePlain: best.get(packagePlain)!,
        packageTls: best.get(packageTls)!,
      });
    }
    return rows;
  } finally {
    for (const stack of stacks) await stack.close();
    await server.dispose();
    certificates.dispose();
  }
}

export function tlsSection(rows: TlsRow[], method: string): string[] {
  const row = ({ workload, rawPlain, rawTls, packagePlain, packageTls }: TlsRow): string =>
    `| ${workload} | ${int(rawTls.opsPerSec)} | ${int(packageTls.opsPerSec)} | ${times(packageTls.opsPerSec / rawTls.opsPerSec)} | ` +
    `${packageTls.p50Ms.toFixed(3)} / ${packageTls.p99Ms.toFixed(3)} | ${times(rawTls.opsPerSec / rawPlain.opsPerSec)} | ${times(packageTls.opsPerSec / packagePlain.opsPerSec)} |`;
  return [
    '## TLS: rediss:// against plain connections',
    '',
    `- Method: ${method}`,
    '',
    '| workload | raw ioredis over TLS, ops/s | @datapunk/nestjs-cache over TLS, ops/s | package ÷ raw, both over TLS | package over TLS p50 / p99 ms | TLS ÷ plain, raw ioredis | TLS ÷ plain, package |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(row),
    '',
    '- How to read: "package ÷ raw" is the package over TLS against raw ioredis over TLS (1.00x: the package adds nothing TLS does not already cost); ' +
      '"TLS ÷ plain" is each client over TLS against itself over a plain connection in the same rounds (below 1.00x: what encryption costs on this box).',
  ];
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function times(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

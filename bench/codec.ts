import type { CompressionAlgorithm } from '@datapunk/nestjs-cache';
import { collectGarbage } from './measure.js';

/** The part of the package's internal Compressor the bench calls (lib/serialization/compression/compressor.ts). */
interface Compressor {
  compress(bytes: Uint8Array): Buffer;
  decompress(bytes: Uint8Array, decodedLength: number, maxBytes: number): Buffer;
}

/**
 * The compressors are internal (not exported by the package), so they are loaded from the built output, dist/,
 * like everything else the bench measures. Compiled to dist-bench/bench/codec.js: ../../ is the package root.
 */
const COMPRESSORS = new URL('../../dist/serialization/compression/compressors.js', import.meta.url);

export const ALGORITHMS: readonly CompressionAlgorithm[] = ['deflate', 'gzip', 'brotli', 'lz4'];

/** `compressorFor(algorithm)`, per algorithm; undefined when it needs an optional package that is not installed (lz4-napi). */
export async function loadCompressors(): Promise<Map<CompressionAlgorithm, Compressor | undefined>> {
  const module = (await import(COMPRESSORS.href)) as { compressorFor?: (algorithm: CompressionAlgorithm) => Compressor | undefined };
  if (typeof module.compressorFor !== 'function') throw new Error(`${COMPRESSORS.pathname} no longer exports compressorFor()`);
  return new Map(ALGORITHMS.map((algorithm) => [algorithm, module.compressorFor!(algorithm)]));
}

export interface CodecRow {
  document: string;
  algorithm: CompressionAlgorithm;
  /** Undefined when the algorithm's optional package is not installed. */
  result?: {
    inputBytes: number;
    compressedBytes: number;
    /** Megabytes (10^6 bytes) of uncompressed document per second, both ways. */
    compressMBps: number;
    decompressMBps: number;
    compressMs: number;
    decompressMs: number;
  };
}

export interface CodecPlan {
  rounds: number;
  /** Before each measurement (the previous one ran another codec). */
  warmupMs: number;
  /** Each measurement runs at least this long (and at least 3 calls). */
  measureMs: number;
}

/** What the serializer hands the compressor for a JSON document: its UTF-8 bytes. */
export function documentBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export interface CodecCase {
  document: string;
  input: Buffer;
  algorithm: CompressionAlgorithm;
  /** Undefined when the algorithm needs an optional package that is not installed. */
  compressor: Compressor | undefined;
}

/**
 * The pure codec, no Redis and no entry envelope: each compressor's compress() and decompress() on the same bytes,
 * called back to back on the main thread (pinned like the rest of the bench). Every round measures every case
 * (a short warm-up, a full GC, then calls for `measureMs`) before the next round, and each case keeps its best round
 * by throughput: rounds spread over the whole section, so a neighbour's burst of CPU spoils one of them, not all.
 */
export function measureCodecs(cases: readonly CodecCase[], plan: CodecPlan): CodecRow[] {
  // The same bound CacheManager gives by default (compression.maxDecodedBytes, 64 MiB).
  const maxBytes = 64 * 1024 * 1024;
  const runs = cases.map(({ document, input, algorithm, compressor }) => {
    if (compressor === undefined) return undefined;
    const compressed = compressor.compress(input);
    if (!compressor.decompress(compressed, input.byteLength, maxBytes).equals(input)) {
      throw new Error(`${algorithm} did not decompress the ${document} document back to its bytes`);
    }
    return {
      compressed,
      compress: () => compressor.compress(input).byteLength,
      decompress: () => compressor.decompress(compressed, input.byteLength, maxBytes).byteLength,
      best: { compress: 0, decompress: 0 },
    };
  });
  for (let round = 0; round < plan.rounds; round++) {
    for (const run of round % 2 === 0 ? runs : [...runs].reverse()) {
      if (run === undefined) continue;
      for (const direction of ['compress', 'decompress'] as const) {
        callsPerSec(run[direction], plan.warmupMs);
        collectGarbage();
        run.best[direction] = Math.max(run.best[direction], callsPerSec(run[direction], plan.measureMs));
      }
    }
  }
  return cases.map(({ document, algorithm, input }, index): CodecRow => {
    const run = runs[index];
    if (run === undefined) return { document, algorithm };
    return {
      document,
      algorithm,
      result: {
        inputBytes: input.byteLength,
        compressedBytes: run.compressed.byteLength,
        compressMBps: (run.best.compress * input.byteLength) / 1e6,
        decompressMBps: (run.best.decompress * input.byteLength) / 1e6,
        compressMs: 1000 / run.best.compress,
        decompressMs: 1000 / run.best.decompress,
      },
    };
  });
}

let sink = 0;

/** Calls per second of `call` over at least `minMs` and 3 calls. */
function callsPerSec(call: () => number, minMs: number): number {
  const startedAt = performance.now();
  let calls = 0;
  let now = startedAt;
  do {
    sink += call(); // the output's length, so no call's result is unused
    calls++;
    now = performance.now();
  } while (now - startedAt < minMs || calls < 3);
  if (sink < 0) throw new Error('unreachable');
  return (calls * 1000) / (now - startedAt);
}

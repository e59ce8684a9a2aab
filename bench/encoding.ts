import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheManager, CacheModule, type CompressionAlgorithm, type NamespaceOptions } from '@datapunk/nestjs-cache';
import { keyRange } from './data.js';
import { keepBest, measurePhase, roundOrder, type PhaseLimits, type PhaseResult } from './measure.js';
import { realisticDocument } from './realistic-doc.js';

/** One serializer/compression setting: a namespace of the encoding app with its own settings (`withNamespace`). */
export interface Setting {
  /** As printed in the tables. */
  readonly label: string;
  readonly cache: CacheManager;
  /** What Redis holds the entry of `key` under (`<namespace>:<key>`). */
  fullKey(key: string): string;
}

/** A realistic JSON document (bench/realistic-doc.ts) of an exact JSON.stringify length. */
export interface Document {
  label: string;
  value: unknown;
  json: string;
}

export function document(label: string, bytes: number): Document {
  const value = realisticDocument(bytes);
  const json = JSON.stringify(value);
  if (json.length !== bytes) throw new Error(`realisticDocument(${bytes}) produced ${json.length} bytes`);
  return { label, value, json };
}

export interface EncodingWorkload {
  name: string;
  kind: 'get-hit' | 'set';
  concurrency: number;
  document: Document;
  /** Each setting reads or writes these keys in turn (in its own namespace). */
  keys: string[];
}

export function encodingWorkload(kind: 'get-hit' | 'set', doc: Document, concurrency: number, keyCount: number): EncodingWorkload {
  return {
    name: `${kind} ${doc.label}, ${concurrency} in flight`,
    kind,
    concurrency,
    document: doc,
    keys: keyRange(`${kind}-${doc.label.replace(' ', '')}`, keyCount),
  };
}

export interface EncodingRow extends PhaseResult {
  workload: string;
  setting: string;
  /** Bytes Redis holds for one entry (STRLEN: the package's envelope and the encoded value). */
  storedBytes: number;
  /** The row this one's ratio is computed against. */
  baseline: string;
  baselineStoredBytes: number;
  /** ops/s ÷ the baseline's ops/s of the same workload. */
  ratio: number;
}

/** Limits of the encoding sections' phases; the rounds and the warm-up/measure alternation are the main table's. */
export interface EncodingPlan {
  rounds: number;
  warmup: PhaseLimits;
  measureMs: number;
}

/**
 * One Nest application for the serializer and compression tables, booted as an application would, with the
 * module's defaults (json, compression { threshold: 1024, algorithm: 'deflate' }); each setting is a namespace of
 * it with its own serializer/compression, so every setting shares the one connection and is measured alike.
 */
export class EncodingApp {
  private readonly root: CacheManager;

  private constructor(
    private readonly app: INestApplicationContext,
    /** A plain client, to read what Redis stores (STRLEN). */
    private readonly redis: Redis,
  ) {
    this.root = app.get(CacheManager);
  }

  static async start(url: string): Promise<EncodingApp> {
    const app = await NestFactory.createApplicationContext(CacheModule.forRoot({ namespace: 'benchenc', redis: { url } }), {
      logger: false,
    });
    const redis = new Redis(url, { lazyConnect: true });
    await redis.connect();
    return new EncodingApp(app, redis);
  }

  /** A namespace with `settings` (omitted ones are the module's defaults). */
  setting(label: string, namespace: string, settings: NamespaceOptions): Setting {
    const cache = this.root.withNamespace(namespace, settings);
    return { label, cache, fullKey: (key) => `${cache.namespace}:${key}` };
  }

  /**
   * Runs every group's workload for each of its settings and returns, per group, one row per setting, its ratio
   * computed against `baselineOf(setting)`. The bench's method (warm-up, measured phase, best of rounds, order
   * alternating), with one difference: a round goes through every group before the next round starts, so each
   * row's rounds are spread over the whole run and a neighbour's burst of CPU spoils one of them, not all.
   */
  async benchGroups(groups: readonly Group[], plan: EncodingPlan): Promise<EncodingRow[][]> {
    const stored = new Map<Group, Map<Setting, number>>();
    for (const group of groups) stored.set(group, await this.populate(group));
    const best = new Map<Group, Map<Setting, PhaseResult>>(groups.map((group) => [group, new Map()]));
    for (let round = 0; round < plan.rounds; round++) {
      for (const group of groups) {
        const { workload } = group;
        const { keys, document: doc } = workload;
        for (const setting of roundOrder(group.settings, round)) {
          const op =
            workload.kind === 'get-hit'
              ? (index: number) => setting.cache.get(keys[index % keys.length])
              : (index: number) => setting.cache.set(keys[index % keys.length], doc.value);
          const result = await measurePhase(op, {
            concurrency: workload.concurrency,
            warmup: plan.warmup,
            measure: { maxOps: 400_000, maxMs: plan.measureMs },
          });
          process.stderr.write(`${workload.name} | ${setting.label} | round ${round + 1}: ${Math.round(result.opsPerSec)} ops/s\n`);
          keepBest(best.get(group)!, setting, result);
        }
      }
    }
    return groups.map((group) =>
      group.settings.map((setting) => {
        const baseline = group.baselineOf(setting);
        const results = best.get(group)!;
        return {
          workload: group.workload.name,
          setting: setting.label,
          ...results.get(setting)!,
          storedBytes: stored.get(group)!.get(setting)!,
          baseline: baseline.label,
          baselineStoredBytes: stored.get(group)!.get(baseline)!,
          ratio: results.get(setting)!.opsPerSec / results.get(baseline)!.opsPerSec,
        };
      }),
    );
  }

  /** Writes what get-hit reads (each setting its own stored format; set starts with one key), checks it, returns STRLEN per setting. */
  private async populate({ workload, settings }: Group): Promise<Map<Setting, number>> {
    const { document: doc, keys } = workload;
    const stored = new Map<Setting, number>();
    for (const setting of settings) {
      // Written a few at a time, like the measured phase (all at once, 1 MB sets would exceed operationTimeout).
      const populate = workload.kind === 'get-hit' ? keys : keys.slice(0, 1);
      const batch = Math.max(workload.concurrency, 4);
      for (let start = 0; start < populate.length; start += batch) {
        await Promise.all(populate.slice(start, start + batch).map((key) => setting.cache.set(key, doc.value)));
      }
      if (JSON.stringify(await setting.cache.get(keys[0])) !== doc.json) {
        throw new Error(`${setting.label}: "${keys[0]}" did not read back the stored ${doc.label} document`);
      }
      stored.set(setting, await this.redis.strlen(setting.fullKey(keys[0])));
    }
    return stored;
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.redis.quit();
  }
}

/**
 * Sizes of the compression table: ~10 KB, ~100 KB, ~1 MB (exact JSON lengths), how many keys each workload cycles
 * through, and how many operations are in flight. 1 MB runs 4 in flight: at 16, each set waits behind up to 15
 * others' synchronous serialize+compress (~15-25 ms each here), past the default operationTimeout (250 ms).
 */
export const COMPRESSION_SIZES = [
  { label: '10 KB', bytes: 10 * 1024, keys: 64, concurrency: 16 },
  { label: '100 KB', bytes: 100 * 1024, keys: 64, concurrency: 16 },
  { label: '1 MB', bytes: 1024 * 1024, keys: 16, concurrency: 4 },
] as const;

/** One workload and the settings it compares; each row's ratio is against `baselineOf(setting)` (one of `settings`). */
export interface Group {
  workload: EncodingWorkload;
  settings: Setting[];
  baselineOf(setting: Setting): Setting;
}

/**
 * The compression table: json without compression (the baseline), then each available algorithm at the default
 * threshold; get-hit and set per size, plus get-hit at 1 in flight for 100 KB.
 */
export function compressionGroups(
  app: EncodingApp,
  docs: ReadonlyMap<string, Document>,
  available: ReadonlyMap<CompressionAlgorithm, unknown>,
): Group[] {
  const algorithms = [...available].filter(([, compressor]) => compressor !== undefined).map(([algorithm]) => algorithm);
  const none = app.setting('none', 'cmp-none', { compression: false });
  const settings = [
    none,
    ...algorithms.map((algorithm) =>
      app.setting(algorithm === 'deflate' ? 'deflate (default)' : algorithm, `cmp-${algorithm}`, { compression: { algorithm } }),
    ),
  ];
  return COMPRESSION_SIZES.flatMap(({ label, keys, concurrency }) => {
    const doc = docs.get(label)!;
    return [
      ...(label === '100 KB' ? [encodingWorkload('get-hit', doc, 1, keys)] : []),
      encodingWorkload('get-hit', doc, concurrency, keys),
      encodingWorkload('set', doc, concurrency, keys),
    ].map((workload) => ({ workload, settings, baselineOf: () => none }));
  });
}

/** The serializer table's documents: ~1 KB (256 keys) and ~100 KB (64 keys). */
export const SERIALIZER_SIZES = [
  { label: '1 KB', bytes: 1024, keys: 256 },
  { label: '100 KB', bytes: 100 * 1024, keys: 64 },
] as const;

/**
 * json vs msgpack with compression off, so the rows isolate serialization; at 100 KB also both with the module's
 * default compression (deflate from 1024 bytes), what an application gets by switching only the serializer.
 */
export function serializerGroups(app: EncodingApp, docs: ReadonlyMap<string, Document>): Group[] {
  const json = app.setting('json, compression off', 'ser-json', { serializer: 'json', compression: false });
  const msgpack = app.setting('msgpack, compression off', 'ser-msgpack', { serializer: 'msgpack', compression: false });
  const jsonDefault = app.setting('json, default compression', 'ser-json-default', { serializer: 'json' });
  const msgpackDefault = app.setting('msgpack, default compression', 'ser-msgpack-default', { serializer: 'msgpack' });
  const baselineOf = (setting: Setting): Setting => (setting === msgpack || setting === json ? json : jsonDefault);
  return SERIALIZER_SIZES.flatMap(({ label, keys }) => {
    const doc = docs.get(label)!;
    const settings = label === '100 KB' ? [json, msgpack, jsonDefault, msgpackDefault] : [json, msgpack];
    return (['get-hit', 'set'] as const).map((kind) => ({ workload: encodingWorkload(kind, doc, 16, keys), settings, baselineOf }));
  });
}

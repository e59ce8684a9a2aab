import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { CodecRow } from './codec.js';
import type { EncodingRow } from './encoding.js';
import type { PhaseResult } from './measure.js';
import type { TagsResult, TagVariantResult } from './tags.js';

export interface Row extends PhaseResult {
  workload: string;
  stack: string;
  /** ops/s ÷ the best raw ioredis ops/s of the same workload. */
  ratio: number;
}

export interface Environment {
  redisVersion: string;
  versions: Record<string, string>;
  method: string;
  /** Other work on the machine skews everything: reported so a noisy run can be recognised. */
  loadAtStart: number;
}

/**
 * The results as Markdown: environment first, then one table row per workload and stack (when the main
 * section ran), then the other sections' lines (see codecSection, compressionSection, serializerSection).
 */
export async function markdown(rows: Row[] | undefined, env: Environment, file: URL, sections: string[][] = []): Promise<string> {
  const cpu = cpus();
  const lines = [
    '# Benchmark: @datapunk/nestjs-cache vs raw ioredis vs cache-manager',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version} (${process.platform} ${process.arch})`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}; load average (1 min) at start: ${env.loadAtStart.toFixed(2)}`,
    `- Redis: ${env.redisVersion} (own redis-server on 127.0.0.1, no persistence)`,
    `- Packages: ${Object.entries(env.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    ...(rows === undefined
      ? []
      : [
          `- Method: ${env.method}`,
          '- Ratio = ops/s ÷ the best raw ioredis row (with or without autoPipelining) of the same workload.',
          '',
          '| workload | stack | ops/s | p50 ms | p99 ms | ratio to raw ioredis |',
          '| --- | --- | ---: | ---: | ---: | ---: |',
          ...rows.map(
            (row) =>
              `| ${row.workload} | ${row.stack} | ${int(row.opsPerSec)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${Number.isNaN(row.ratio) ? 'n/a' : times(row.ratio)} |`,
          ),
        ]),
    '',
    ...sections.flatMap((section) => [...section, '']),
  ];
  // Aligned by the repository's Prettier settings, so the committed results.md passes `prettier --check`.
  const options = await resolveConfig(fileURLToPath(file));
  return format(lines.join('\n'), { ...options, parser: 'markdown' });
}

/** The pure codec table: each compressor on the realistic documents, no Redis, no envelope. */
export function codecSection(rows: CodecRow[], method: string): string[] {
  return [
    '## Compression codecs (pure codec, realistic JSON documents)',
    '',
    `- Method: ${method}`,
    '- How to read: ratio = document bytes ÷ compressed bytes (higher is smaller); MB/s = 10^6 bytes of *uncompressed* document per second, both ways (higher is faster); ms = one call.',
    '',
    '| document | algorithm | ratio | compress MB/s | decompress MB/s | compress ms | decompress ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(({ document, algorithm, result: r }) =>
      r === undefined
        ? `| ${document} | ${algorithm} | n/a (optional package not installed) | | | | |`
        : `| ${document} | ${algorithm} | ${times(r.inputBytes / r.compressedBytes)} | ${int(r.compressMBps)} | ${int(r.decompressMBps)} | ${r.compressMs.toFixed(3)} | ${r.decompressMs.toFixed(3)} |`,
    ),
  ];
}

/** Compression through CacheManager, each row against the uncompressed row of the same workload. */
export function compressionSection(rows: EncodingRow[], method: string): string[] {
  return [
    '## Compression through CacheManager (json serializer, realistic JSON documents)',
    '',
    `- Method: ${method}`,
    "- How to read: stored bytes = what Redis holds per entry (STRLEN: envelope + value); smaller by = uncompressed stored bytes ÷ this row's; " +
      'ratio = ops/s ÷ the `none` row of the same workload (above 1.00x: faster than not compressing). Over loopback the transfer is cheap ' +
      '(not free: fewer bytes also mean fewer socket reads and buffer copies), so these ratios mostly show the CPU cost of compressing; ' +
      "the 1 Gbit/s estimate below adds the network. 1 MB runs 4 in flight: at 16, a set queues behind up to 15 others' synchronous " +
      'serialize+compress (~15-25 ms each here) and exceeds the default operationTimeout (250 ms).',
    '',
    '| workload | compression | stored bytes | smaller by | ops/s | p50 ms | p99 ms | ratio to none |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.workload} | ${row.setting} | ${int(row.storedBytes)} | ${times(row.baselineStoredBytes / row.storedBytes)} | ${int(row.opsPerSec)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${times(row.ratio)} |`,
    ),
  ];
}

/**
 * What compression saves per get of `document` on a 1 Gbit/s link: the stored bytes it does not transfer,
 * minus the time it takes to decompress them (pure codec). Uses the get-hit rows' stored bytes and the codec rows.
 */
export function transferEstimate(document: string, rows: EncodingRow[], codecs: CodecRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const algorithm = row.setting.split(' ')[0];
    const codec = codecs.find((candidate) => candidate.document.startsWith(document) && candidate.algorithm === algorithm)?.result;
    if (codec === undefined) continue;
    const savedBytes = row.baselineStoredBytes - row.storedBytes;
    const transferUs = (savedBytes * 8) / 1e3; // bytes × 8 bit ÷ 10^9 bit/s, in µs
    const decompressUs = codec.decompressMs * 1e3;
    const breakEvenGbps = (savedBytes * 8) / (decompressUs * 1e3); // bit ÷ ns = Gbit/s
    lines.push(
      `| ${row.setting} | ${int(row.baselineStoredBytes)} → ${int(row.storedBytes)} | ${transferUs.toFixed(0)} | ${decompressUs.toFixed(0)} | ${(transferUs - decompressUs).toFixed(0)} | ${breakEvenGbps.toFixed(1)} Gbit/s |`,
    );
  }
  return [
    `### Estimate: time saved per get of the ${document} document at 1 Gbit/s`,
    '',
    '- Formula: saved per get = (stored bytes uncompressed − stored bytes compressed) × 8 bit ÷ 10^9 bit/s − decompress time (pure codec, table above). ' +
      'Break-even link speed = saved bits ÷ decompress time: on any slower link compression makes a get faster. ' +
      "A computed estimate, not a measurement: it ignores TCP windows, Redis's own copy time and the compress cost on set.",
    '- How to read: a positive net saving means a get of this document is faster with that compression than without on a 1 Gbit/s network.',
    '',
    '| compression | stored bytes (none → this) | transfer saved µs | decompress µs | net saved µs per get | break-even link speed |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
  ];
}

/** json vs msgpack through CacheManager, each msgpack row against the json row with the same compression. */
export function serializerSection(rows: EncodingRow[], method: string): string[] {
  return [
    '## Serializers through CacheManager (realistic JSON documents)',
    '',
    `- Method: ${method}`,
    "- Rows with compression off isolate serialization (JSON: the strict serializer's safety walk + JSON.stringify/JSON.parse; " +
      'msgpack: its walk refusing class instances etc. + msgpackr pack/unpack); rows with the default compression (deflate from 1024 bytes) show what switching only the serializer gives.',
    '- How to read: ratio = ops/s ÷ the json row with the same compression and workload (above 1.00x: msgpack is faster); stored bytes = STRLEN of one entry.',
    '',
    '| workload | serializer, compression | stored bytes | ops/s | p50 ms | p99 ms | ratio to json |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.workload} | ${row.setting} | ${int(row.storedBytes)} | ${int(row.opsPerSec)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${times(row.ratio)} |`,
    ),
  ];
}

/**
 * The tags section: invalidateTags on a tag carried by many entries vs by one, then getOrSet hits and set by tag
 * count, each table followed by how to read it and whether the issue's goals were met.
 */
export function tagsSection(result: TagsResult, method: string): string[] {
  const { invalidation: inv, reads, writes } = result;
  const n = int(inv.entries);
  const p50Ratio = inv.big.p50Ms / inv.one.p50Ms;
  const p99Ratio = inv.big.p99Ms / inv.one.p99Ms;
  const invalidationRow = (label: string, entries: number, r: PhaseResult): string =>
    `| ${label} | ${int(entries)} | ${int(r.ops)} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${times(r.p50Ms / inv.one.p50Ms)} | ${times(r.p99Ms / inv.one.p99Ms)} |`;
  const [untaggedRead] = reads;
  const readRow = (row: TagVariantResult): string =>
    `| ${row.tags} | ${row.single.p50Ms.toFixed(3)} | ${times(row.single.p50Ms / untaggedRead.single.p50Ms)} | ${int(row.concurrent.opsPerSec)} | ${row.concurrent.p50Ms.toFixed(3)} | ${row.concurrent.p99Ms.toFixed(3)} | ${times(row.concurrent.opsPerSec / untaggedRead.concurrent.opsPerSec)} |`;
  const readRatio = (tags: number): number => reads.find((row) => row.tags === tags)!.single.p50Ms / untaggedRead.single.p50Ms;
  const [untaggedWrite] = writes;
  const writeRow = (row: TagVariantResult): string =>
    `| ${row.tags} | ${row.single.p50Ms.toFixed(3)} | ${times(row.single.p50Ms / untaggedWrite.single.p50Ms)} | ${int(row.concurrent.opsPerSec)} | ${row.concurrent.p50Ms.toFixed(3)} | ${row.concurrent.p99Ms.toFixed(3)} | ${times(row.concurrent.opsPerSec / untaggedWrite.concurrent.opsPerSec)} |`;
  const writeRatio = writes.find((row) => row.tags === 1)!.concurrent.opsPerSec / untaggedWrite.concurrent.opsPerSec;
  const goal = (met: boolean): string => (met ? 'met' : '**missed**');
  return [
    '## Tags: invalidateTags, tagged reads and writes',
    '',
    `- Method: ${method}`,
    '',
    `### invalidateTags: a tag carried by ${n} entries vs a tag carried by 1`,
    '',
    '| tag | entries carrying it | calls measured | p50 ms | p99 ms | p50 ratio to 1 entry | p99 ratio to 1 entry |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    invalidationRow(`carried by ${n} entries`, inv.entries, inv.big),
    invalidationRow('carried by 1 entry', 1, inv.one),
    '',
    "- How to read: ms = one `invalidateTags(tag)` call, 1 in flight, each finding the tag's entries live; ratio = this row's latency ÷ the 1-entry row's (1.00x: the cost does not grow with the entries: the call moves the namespace's epoch, then replaces the tag's token, two round trips).",
    `- Goals: p99 ≤ 2 ms (${inv.big.p99Ms.toFixed(3)} ms: ${goal(inv.big.p99Ms <= 2)}); ≤ 1.2x of the 1-entry tag (p50 ${times(p50Ratio)}, p99 ${times(p99Ratio)}: ${goal(p50Ratio <= 1.2 && p99Ratio <= 1.2)}).`,
    `- The ${n} entries were written in ${(inv.populateMs / 1000).toFixed(1)} s (${int((inv.entries * 1000) / inv.populateMs)} entries/s) by concurrent \`cache.set(key, value, { ttl: '10m', tags: ['big'] })\`. ` +
      `Checked, or the run aborts: ${int(inv.sample)} sampled entries hit before the rounds, hit again after them once the token they were stamped with is put back, ` +
      'and all miss after one more `invalidateTags` while still stored in Redis (EXISTS).',
    '',
    '### getOrSet hits, 100 B, by declared tags',
    '',
    '| declared tags | p50 ms, 1 in flight | p50 ratio to untagged | ops/s, 64 in flight | p50 ms, 64 in flight | p99 ms, 64 in flight | ops/s ratio to untagged |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...reads.map(readRow),
    '',
    "- How to read: `getOrSet(key, loader, { tags })` on keys stored with those tags (the loader never runs), the tags' tokens read beside the entry's GET in the same round trip; a p50 ratio above 1.00x is that much slower than untagged, an ops/s ratio below 1.00x that much less throughput.",
    `- Goals: p50 ≤ 1.10x with 1 tag (${times(readRatio(1))}: ${goal(readRatio(1) <= 1.1)}), ≤ 1.25x with 4 (${times(readRatio(4))}: ${goal(readRatio(4) <= 1.25)}).`,
    '',
    '### set, 100 B: 1 tag vs untagged',
    '',
    '| tags | p50 ms, 1 in flight | p50 ratio to untagged | ops/s, 64 in flight | p50 ms, 64 in flight | p99 ms, 64 in flight | ops/s ratio to untagged |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...writes.map(writeRow),
    '',
    '- How to read: `set(key, value, { ttl, tags })` overwriting 1,000 keys; a tagged set is stamped with the token this process saw in the last second (read again once it is older), so it is one SET like an untagged one; ops/s ratio below 1.00x is that much less throughput.',
    `- Goal: ≥ 0.8x ops/s at 64 in flight (${times(writeRatio)}: ${goal(writeRatio >= 0.8)}).`,
  ];
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function times(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

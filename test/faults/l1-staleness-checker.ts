import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import { metricValue } from './fault-harness.js';

/** Milliseconds since the epoch, comparable with the writer process's (same machine clock). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Leeway for comparing two processes' clocks (timeOrigin is read from the wall clock at each start). */
const CLOCK_SLACK_MS = 5;

interface Ack {
  key: string;
  version: number;
  ackAt: number;
}

interface Read {
  key: string;
  startedAt: number;
  version: number;
}

export interface StalenessReport {
  reads: number;
  acks: number;
  /** Reads that returned a version older than one acknowledged more than the bound before they started. */
  stale: Array<Read & { required: number }>;
  l1HitsDuring: number;
  /** Reads served from memory before the fault, and after it (each phase runs until it has some, or times out). */
  l1HitsBefore: number;
  l1HitsAfter: number;
}

/** Each phase runs at least its time and until memory served this many reads (bounded: a busy box is slow, not wrong). */
const HITS_PER_PHASE = 50;
const PHASE_LIMIT_MS = 8000;

/** Every read was fresh enough, and the tier really served (so the check checked something). */
export function expectNoStaleRead(report: StalenessReport, label: string): void {
  console.info(
    `l1 faults: ${label}: ${report.reads} reads (${report.l1HitsDuring} from memory) against ${report.acks} writes, ${report.stale.length} stale`,
  );
  expect(report.stale.slice(0, 3)).toEqual([]);
  expect(report.acks).toBeGreaterThan(50);
  // The check checked something: memory served reads before the fault and again after it.
  expect(report.l1HitsBefore).toBeGreaterThanOrEqual(50);
  expect(report.l1HitsAfter).toBeGreaterThanOrEqual(50);
}

/**
 * The randomised staleness check: a writer in another process bumps versions on a few keys; readers (app instances
 * in this process, l1 on) read them in a loop; `fault` runs in the middle. Afterwards every read is checked: it must
 * not return a version older than the newest one acknowledged `boundMs` before the read started.
 */
export async function checkStaleness(options: {
  writer: CacheModuleOptions;
  readers: CacheManager[];
  boundMs: number;
  keyCount?: number;
  /** Reads before and after the fault, each phase this long. */
  phaseMs?: number;
  fault: () => Promise<void> | void;
}): Promise<StalenessReport> {
  const { readers, boundMs, keyCount = 4, phaseMs = 600 } = options;
  const writer = await startWriter(options.writer, keyCount);
  const reads: Read[] = [];
  let running = true;
  const namespace = readers[0].namespace;
  const hits = (): Promise<number> => metricValue('cache_l1_hits_total', { namespace });
  const hitsBefore = await hits();
  /** Waits `phaseMs`, then until memory served HITS_PER_PHASE reads since `from` (or PHASE_LIMIT_MS passed). */
  const phase = async (from: number): Promise<number> => {
    const startedAt = performance.now();
    await sleep(phaseMs);
    while ((await hits()) - from < HITS_PER_PHASE && performance.now() - startedAt < PHASE_LIMIT_MS) await sleep(50);
    return (await hits()) - from;
  };
  const loops = readers.map(async (reader, r) => {
    for (let i = r; running; i++) {
      const key = `v${(i * 7 + Math.floor(Math.random() * keyCount)) % keyCount}`;
      const startedAt = epochNow();
      const version = await reader.get<number>(key).catch(() => undefined);
      if (typeof version === 'number') reads.push({ key, startedAt, version });
      if (i % 16 === 0) await sleep(0);
    }
  });
  let acks: Ack[];
  let l1HitsBefore = 0;
  let l1HitsAfter = 0;
  try {
    l1HitsBefore = await phase(hitsBefore);
    await options.fault();
    l1HitsAfter = await phase(await hits());
  } finally {
    running = false;
    await Promise.all(loops);
    // Stopped even when the fault throws: a writer left running would keep Jest from exiting.
    acks = await writer.stop();
  }
  const l1HitsDuring = (await hits()) - hitsBefore;
  return { reads: reads.length, acks: acks.length, stale: staleReads(reads, acks, boundMs), l1HitsDuring, l1HitsBefore, l1HitsAfter };
}

function staleReads(reads: Read[], acks: Ack[], boundMs: number): Array<Read & { required: number }> {
  const byKey = new Map<string, Ack[]>();
  for (const ack of acks) (byKey.get(ack.key) ?? byKey.set(ack.key, []).get(ack.key)!).push(ack);
  const stale: Array<Read & { required: number }> = [];
  for (const read of reads) {
    let required = 0;
    for (const ack of byKey.get(read.key) ?? []) {
      if (ack.ackAt < read.startedAt - boundMs - CLOCK_SLACK_MS && ack.version > required) required = ack.version;
    }
    if (read.version < required) stale.push({ ...read, required });
  }
  return stale;
}

async function startWriter(options: CacheModuleOptions, keyCount: number): Promise<{ stop(): Promise<Ack[]> }> {
  const script = fileURLToPath(new URL('../support/l1-version-writer.mjs', import.meta.url));
  // stdin is a pipe the writer watches: if this process dies, the writer exits instead of running on as an orphan.
  const child = spawn(process.execPath, [script, JSON.stringify(options), String(keyCount)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const acks: Ack[] = [];
  let buffered = '';
  let ready!: () => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`writer exited with ${code} before it was ready`)));
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') ready();
      else if (line !== '') acks.push(JSON.parse(line) as Ack);
    }
  });
  await started;
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return acks;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      // Its graceful close can wait on a Redis that is still hung; the acks it printed are all that matter.
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      return acks;
    },
  };
}

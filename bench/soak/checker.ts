import { KEY_COUNT, keyClass, keyName, range, type SoakTiming } from './keyspace.js';
import { READ_FLAGS, type ReadRecord, type WriterChange, type WriterReplayed } from './protocol.js';
import { VersionLog } from './version-log.js';
import type { Windows } from './windows.js';

/** Leeway for comparing two processes' clocks (each reads timeOrigin from the wall clock at its start). */
const CLOCK_SLACK_MS = 5;
/**
 * A value changed without invalidation may be served until its entry's logical expiry (+ the stale window): the
 * entry is written after the load read the source, within the operation budget (250 ms) of a read-through.
 */
const WRITE_BACK_SLACK_MS = 250;
/** Reads are checked once every acknowledgement they are judged against has surely arrived. */
const CHECK_DELAY_MS = 3000;
/** Latency is summarised per window of this length. */
export const LATENCY_WINDOW_MS = 5000;

export interface WindowCounts {
  reads: number;
  getOrSetCalls: number;
  /** getOrSet calls that rejected: the goal is none */
  callerErrors: number;
  /** get calls that rejected (direct callers are told of an outage: documented) */
  getErrors: number;
  hits: number;
  /** reads returning a version older than one whose invalidation was acknowledged more than the bound before */
  pastBound: number;
  /** reads of a value changed silently, served past its logical TTL (+ stale window) */
  pastTtl: number;
  /** reads returning a version older than one whose failed invalidation the queue applied more than the bound before */
  lostInvalidations: number;
  wrongKey: number;
  loads: number;
  /** loads beyond one per key per TTL window plus one per change of the key in it */
  excessLoads: number;
  maxLoadsPerKeyTtl: number;
  /** per instance: ms from the fault's end to the end of its first cache hit */
  firstHitMs: Map<number, number>;
  durations: number[];
  staleSamples: string[];
}

function emptyCounts(): WindowCounts {
  return {
    reads: 0,
    getOrSetCalls: 0,
    callerErrors: 0,
    getErrors: 0,
    hits: 0,
    pastBound: 0,
    pastTtl: 0,
    lostInvalidations: 0,
    wrongKey: 0,
    loads: 0,
    excessLoads: 0,
    maxLoadsPerKeyTtl: 0,
    firstHitMs: new Map(),
    durations: [],
    staleSamples: [],
  };
}

/**
 * Judges every read against the writer's log: the documented bound after an acknowledged invalidation (l1's
 * maxStaleness), the TTL (+ stale window) after a silent change, and the same bound after a failed invalidation was
 * applied by the queue (else it counts as lost). Counts per fault window; latency per 5 s window.
 */
export class Checker {
  readonly perWindow: WindowCounts[] = [];
  readonly latencyBuckets = new Map<number, number[]>();
  /** Failed invalidations never applied, from the writer's last word. */
  neverApplied = 0;
  droppedInvalidations = 0;
  /** What the writer did: changes by kind, invalidations that failed, and those the queue later applied. */
  readonly writes = { key: 0, tag: 0, prefix: 0, silent: 0, failed: 0, replayed: 0 };
  private readonly acked = range(KEY_COUNT).map(() => new VersionLog());
  private readonly replayed = range(KEY_COUNT).map(() => new VersionLog());
  private readonly committed = range(KEY_COUNT).map(() => new VersionLog());
  private readonly failedChanges = new Map<number, WriterChange>();
  private readonly pending: Array<{ instance: number; read: ReadRecord }> = [];
  /** loads and changes per key per TTL window (and fault window), for the stampede count */
  private readonly loadsPerBucket = new Map<string, { loads: number; changes: number; window: number }>();

  constructor(
    private readonly timing: SoakTiming,
    private readonly windows: Windows,
    private readonly runStart: number,
  ) {}

  onChange(change: WriterChange): void {
    this.writes[change.how]++;
    if (change.failed !== undefined) this.writes.failed++;
    for (const [k, v] of change.keys) {
      this.committed[k].add(change.committedAt, v);
      this.bucket(k, change.committedAt).changes++;
    }
    if (change.ackAt !== undefined) for (const [k, v] of change.keys) this.acked[k].add(change.ackAt, v);
    if (change.failed !== undefined) this.failedChanges.set(change.id, change);
  }

  onReplayed(message: WriterReplayed): void {
    this.droppedInvalidations += message.dropped;
    for (const id of message.ids) {
      const change = this.failedChanges.get(id);
      if (change) for (const [k, v] of change.keys) this.replayed[k].add(message.at, v);
      if (change) this.writes.replayed++;
      this.failedChanges.delete(id);
    }
  }

  onReads(instance: number, reads: ReadRecord[]): void {
    for (const read of reads) this.pending.push({ instance, read });
  }

  onLoads(loads: Array<[number, number]>): void {
    for (const [k, at] of loads) {
      this.counts(at).loads++;
      this.bucket(k, at).loads++;
    }
  }

  /** Checks the reads old enough to judge (all of them with `all`). */
  drain(now: number, all = false): void {
    let kept = 0;
    for (const entry of this.pending) {
      if (all || entry.read[3] < now - CHECK_DELAY_MS) this.check(entry.instance, entry.read);
      else this.pending[kept++] = entry;
    }
    this.pending.length = kept;
  }

  /** After the run: what is left to check, the stampede counts, and the invalidations the writer never saw applied. */
  finish(unreplayed: number[], dropped: number): void {
    this.drain(0, true);
    this.droppedInvalidations += dropped;
    this.neverApplied = unreplayed.length;
    for (const { loads, changes, window } of this.loadsPerBucket.values()) {
      const counts = this.perWindow[window] ?? (this.perWindow[window] = emptyCounts());
      counts.excessLoads += Math.max(0, loads - 1 - changes);
      counts.maxLoadsPerKeyTtl = Math.max(counts.maxLoadsPerKeyTtl, loads);
    }
  }

  private check(instance: number, read: ReadRecord): void {
    const [k, version, sourceReadAt, startedAt, durationMs, flags] = read;
    const counts = this.counts(startedAt);
    counts.reads++;
    const viaGetOrSet = (flags & READ_FLAGS.getOrSet) !== 0;
    if (viaGetOrSet) {
      counts.getOrSetCalls++;
      counts.durations.push(durationMs);
      const bucket = Math.floor((startedAt - this.runStart) / LATENCY_WINDOW_MS);
      (this.latencyBuckets.get(bucket) ?? this.latencyBuckets.set(bucket, []).get(bucket)!).push(durationMs);
    }
    if (flags & READ_FLAGS.error && viaGetOrSet) counts.callerErrors++;
    else if (flags & READ_FLAGS.error) counts.getErrors++;
    if (flags & READ_FLAGS.wrongKey) counts.wrongKey++;
    if (flags & READ_FLAGS.hit) {
      counts.hits++;
      this.noteHit(instance, startedAt, startedAt + durationMs);
    }
    if (version < 0) return;
    const boundBefore = startedAt - this.timing.invalidationBoundMs - CLOCK_SLACK_MS;
    const sample = (why: string, required: number): void => {
      if (counts.staleSamples.length < 5)
        counts.staleSamples.push(
          `instance ${instance} read ${keyName(k)} v${version} at +${Math.round(startedAt - this.runStart)} ms (loaded at +${Math.round(sourceReadAt - this.runStart)} ms): ${why} v${required}`,
        );
    };
    const acked = this.acked[k].newestBefore(boundBefore);
    if (version < acked) return void (counts.pastBound++, sample('invalidation acknowledged past the bound for', acked));
    const replayed = this.replayed[k].newestBefore(boundBefore);
    if (version < replayed) return void (counts.lostInvalidations++, sample('queued invalidation applied past the bound for', replayed));
    const committed = this.committed[k].newestBefore(startedAt - CLOCK_SLACK_MS);
    const swr = keyClass(k) === 'staleWhileRevalidate' ? this.timing.swrMs : 0;
    if (version < committed && startedAt > sourceReadAt + this.timing.ttlMs + swr + WRITE_BACK_SLACK_MS)
      return void (counts.pastTtl++, sample('silent change, past TTL + stale window, to', committed));
  }

  private noteHit(instance: number, startedAt: number, endedAt: number): void {
    const index = this.windows.indexAt(startedAt);
    const window = this.windows.list[index];
    if (window.end === undefined || startedAt < window.end) return;
    const counts = this.perWindow[index] ?? (this.perWindow[index] = emptyCounts());
    const ms = endedAt - window.end;
    counts.firstHitMs.set(instance, Math.min(counts.firstHitMs.get(instance) ?? Infinity, ms));
  }

  private counts(time: number): WindowCounts {
    const index = this.windows.indexAt(time);
    return this.perWindow[index] ?? (this.perWindow[index] = emptyCounts());
  }

  private bucket(k: number, time: number): { loads: number; changes: number; window: number } {
    // Per fault window too: a TTL window that spans two faults counts in each.
    const [bucket, window] = [Math.floor((time - this.runStart) / this.timing.ttlMs), this.windows.indexAt(time)];
    const id = `${k}:${bucket}:${window}`;
    let entry = this.loadsPerBucket.get(id);
    if (!entry) this.loadsPerBucket.set(id, (entry = { loads: 0, changes: 0, window }));
    return entry;
  }
}

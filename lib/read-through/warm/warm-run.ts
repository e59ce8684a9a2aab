import type { WarmEntries, WarmEntry, WarmResult } from './warm.types.js';

export type WarmOutcome = keyof WarmResult;

export interface WarmRunSettings {
  concurrency: number;
  signal?: AbortSignal;
  /** Called after each entry with the running totals and the entry count when known up front. */
  progress?: (result: Readonly<WarmResult>, total: number | undefined) => void;
}

/**
 * Pulls entries from an iterable or async iterable with `concurrency` workers, handing each to `warmOne`, which never
 * rejects (an entry's failure is an outcome). An iterable that throws ends the run with its error once the workers stop.
 */
export async function runWarm(entries: WarmEntries, settings: WarmRunSettings, warmOne: (entry: WarmEntry) => Promise<WarmOutcome>): Promise<WarmResult> {
  const result: WarmResult = { loaded: 0, skipped: 0, failed: 0 };
  const total = Array.isArray(entries) ? entries.length : entries instanceof Set ? entries.size : undefined;
  const iterator: Iterator<WarmEntry> | AsyncIterator<WarmEntry> =
    Symbol.asyncIterator in entries ? entries[Symbol.asyncIterator]() : (entries as Iterable<WarmEntry>)[Symbol.iterator]();
  let done = false;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!done && settings.signal?.aborted !== true) {
      let next: IteratorResult<WarmEntry>;
      try {
        next = await iterator.next();
      } catch (error) {
        failure ??= { error };
        done = true;
        return;
      }
      if (next.done) {
        done = true;
        return;
      }
      result[await warmOne(next.value)]++;
      settings.progress?.(result, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.concurrency) }, worker));
  if (!done) await iterator.return?.(); // aborted: let a generator run its finally blocks
  if (failure !== undefined) throw failure.error;
  return result;
}

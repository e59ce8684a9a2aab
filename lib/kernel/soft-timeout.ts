export type Outcome<T> = { value: T } | { error: unknown } | { timedOut: true };

/**
 * How `work` ended, or `{ timedOut }` once `ms` passed (the work goes on: the caller decides what happens to it).
 * Without `ms`, waits for the work.
 */
export function within<T>(work: Promise<T>, ms: number | undefined): Promise<Outcome<T>> {
  const settled = work.then(
    (value): Outcome<T> => ({ value }),
    (error: unknown): Outcome<T> => ({ error }),
  );
  if (ms === undefined) return settled;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), ms)));
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/**
 * XFetch (Vattani, Chierichetti, Lowenstein, PVLDB 8(8), 2015): refresh early when
 * `now − δ·β·ln(random()) ≥ expiry`, δ being how long the last load took. A read at time-to-expiry t refreshes with
 * probability exp(−t/(δβ)): hot keys refresh shortly before expiry, keys read less often than once per δβ mostly do
 * not (they expire as usual). β > 1 refreshes earlier. The Redis lock makes the refresh one per key fleet-wide.
 */
export function shouldRefreshEarly(
  now: number,
  logicalExpiresAt: number,
  loadMs: number,
  beta: number,
  random: () => number = Math.random,
): boolean {
  if (loadMs <= 0) return false; // never loaded through read-through (a plain set): nothing to predict from
  const draw = 1 - random(); // (0, 1]: ln(0) would be -Infinity
  return now - loadMs * beta * Math.log(draw) >= logicalExpiresAt;
}

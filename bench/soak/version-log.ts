/**
 * Per key, versions that became binding at given times (an acknowledged invalidation, a commit), kept sorted by time
 * with a running maximum, so "the newest version binding before t" is one binary search.
 */
export class VersionLog {
  private readonly times: number[] = [];
  private readonly maxVersions: number[] = [];

  add(time: number, version: number): void {
    let at = this.times.length;
    while (at > 0 && this.times[at - 1] > time) at--; // almost always appended: messages arrive in time order
    this.times.splice(at, 0, time);
    this.maxVersions.splice(at, 0, version);
    for (let i = at; i < this.times.length; i++) this.maxVersions[i] = Math.max(this.maxVersions[i], i > 0 ? this.maxVersions[i - 1] : 0);
  }

  /** The newest version that became binding strictly before `time` (0 when none). */
  newestBefore(time: number): number {
    let [low, high] = [0, this.times.length];
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.times[mid] < time) low = mid + 1;
      else high = mid;
    }
    return low === 0 ? 0 : this.maxVersions[low - 1];
  }
}

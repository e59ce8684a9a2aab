import type { TagStamp } from '../../entry/entry-format.js';

/** Bounds of one namespace's hints: enough for a hot set of keys; past either, the oldest are forgotten. */
export const TAG_HINT_LIMITS = {
  /** Keys remembered. */
  keys: 10_000,
  /** Characters of those keys and their tags together (a key may be 1 KB and carry 8 tags of 128). */
  chars: 1_000_000,
};

/**
 * The tags last seen on each key's entry (written by this process, or read from it), so that a plain `get` can read
 * the entry and its tags' tokens in one command. Only a hint: a read checks every stamp of the entry it finds, and
 * reads the tokens of any tag the hint did not name, so a wrong, stale or forgotten hint costs a round trip, never a
 * stale value. Bounded: the oldest key is forgotten first (a Map keeps insertion order, so that is O(1)). Not lru-cache:
 * with `max` it preallocates its arrays for every namespace up front, used or not (see L1Tier), and a hint needs no recency.
 */
export class TagHints {
  private readonly tagsByKey = new Map<string, readonly string[]>();
  private chars = 0;

  constructor(private readonly limits = TAG_HINT_LIMITS) {}

  get size(): number {
    return this.tagsByKey.size;
  }

  /** The tags last seen on the entry under `fullKey`, if any. */
  of(fullKey: string): readonly string[] | undefined {
    return this.tagsByKey.get(fullKey);
  }

  /** The entry under `fullKey` carries these stamps. A read finds them unchanged in the common case: then nothing is written. */
  learn(fullKey: string, stamps: readonly TagStamp[]): void {
    const known = this.tagsByKey.get(fullKey);
    if (known !== undefined && sameTags(known, stamps)) return;
    if (known !== undefined) this.forget(fullKey);
    if (stamps.length === 0) return;
    const tags = stamps.map(([tag]) => tag);
    const chars = charsOf(fullKey, tags);
    if (chars > this.limits.chars) return;
    while (this.tagsByKey.size >= this.limits.keys || this.chars + chars > this.limits.chars) {
      this.forget(this.tagsByKey.keys().next().value!);
    }
    this.tagsByKey.set(fullKey, tags);
    this.chars += chars;
  }

  /** The entry under `fullKey` is gone or untagged now. */
  forget(fullKey: string): void {
    const tags = this.tagsByKey.get(fullKey);
    if (tags === undefined) return;
    this.tagsByKey.delete(fullKey);
    this.chars -= charsOf(fullKey, tags);
  }
}

function sameTags(tags: readonly string[], stamps: readonly TagStamp[]): boolean {
  if (tags.length !== stamps.length) return false;
  for (let i = 0; i < tags.length; i++) if (tags[i] !== stamps[i][0]) return false;
  return true;
}

function charsOf(fullKey: string, tags: readonly string[]): number {
  let chars = fullKey.length;
  for (const tag of tags) chars += tag.length;
  return chars;
}

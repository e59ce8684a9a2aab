import type { EntryCodec } from '../../entry/entry-codec.js';
import { compareStamps, StampMatch, type TagStamp } from '../../entry/entry-format.js';
import { validTags } from './tag-rules.js';
import { TagHints } from './tag-hints.js';
import { TagTokens } from './tag-tokens.js';

const NO_TAGS: readonly string[] = [];

/** The tags of one read-through call: known at the call site, or computed from the loaded value. */
export type TagSource<T> = { known: readonly string[] } | { fromValue: (value: T) => readonly string[] };

/** What a lookup fetched beside the entry, in the same round trip. */
export interface TagPrefetch {
  /** The tags whose tokens were read: the call's known tags, or (tags from the value) those the key's hint named. */
  tags?: readonly string[];
  /** Their current tokens, in the same order. */
  tokens?: ReadonlyArray<string | undefined>;
  /** The namespace's epoch, for tags that come from the value. */
  epoch?: string;
}

/** A tagged lookup: the entry found, and what was read beside it in the same command. */
export interface TaggedLookup {
  found: Buffer | null | undefined;
  prefetch: TagPrefetch;
}

/**
 * What a load must remember from before it ran: its tags' tokens; or, when some of them have none yet, the tokens
 * there are (`current`) and the epoch, the absent tokens being made only for a value that is stored; or (tags from
 * the value) the epoch.
 */
export type LoadTicket =
  | { stamps: TagStamp[] }
  | { known: readonly string[]; current: ReadonlyArray<string | undefined>; epoch: string }
  | { epoch: string };

/**
 * The tag checks around a read-through: reads validate an entry's stamps against the current tokens; a load
 * is stamped before it runs (known tags), or stored only if no tag was invalidated while it ran (tags from the
 * value: the epoch did not move). Either way a value loaded before an invalidation is never served after it.
 */
export class TagGuard {
  /** The tags last seen on each key's entry: a plain get reads their tokens with the entry (see TagHints). */
  readonly hints = new TagHints();

  constructor(
    readonly tokens: TagTokens,
    private readonly codec: EntryCodec,
  ) {}

  /**
   * A read-through lookup's entry and, in the same command, its known tags' tokens; or, for tags from the value, the
   * epoch and the tokens of the tags the key's hint names (those the entry carries, unless it changed since).
   */
  async lookup<T>(fullKey: string, source: TagSource<T>): Promise<TaggedLookup> {
    if ('known' in source) {
      const { found, tokens } = await this.tokens.readWith(fullKey, source.known);
      return { found, prefetch: { tags: source.known, tokens } };
    }
    const hinted = this.hints.of(fullKey) ?? NO_TAGS;
    const { found, tokens, epoch } = await this.tokens.readWithEpoch(fullKey, hinted);
    return { found, prefetch: { tags: hinted, tokens, epoch } };
  }

  /** lookup's result for known tags, from the reply of `tokens.mgetWith` (sent by the caller, awaited there). */
  received(found: ReadonlyArray<Buffer | null | undefined>, known: readonly string[]): TaggedLookup {
    const { found: entry, tokens } = this.tokens.replyWith(found, known);
    return { found: entry, prefetch: { tags: known, tokens } };
  }

  /**
   * Whether a found entry may be served: untagged, or every stamp still holds. Tokens read with the entry for the
   * `known` tags are used; others (an entry tagged differently than the call or hint said) cost one more round trip.
   * Answered at once (no promise, no microtask hop) when the tokens read with the entry are all it needs.
   * `learnAs` (a plain get's key) keeps the hint of that key in step with the tags found when they are not the `known`
   * ones (an entry carrying exactly those is left alone: a get's hint, or getOrSet's known tags, which need no hint).
   */
  holds(bytes: Buffer, known?: readonly string[], prefetched?: ReadonlyArray<string | undefined>, learnAs?: string): boolean | Promise<boolean> {
    // The common case, compared in place: the entry carries exactly the tags whose tokens were read with it.
    if (known !== undefined && prefetched !== undefined) {
      const match = compareStamps(bytes, known, prefetched);
      if (match !== StampMatch.Other) return match === StampMatch.Holds;
    }
    const stamps = this.stampsOf(bytes);
    if (learnAs !== undefined) {
      if (stamps === undefined) this.hints.forget(learnAs);
      else this.hints.learn(learnAs, stamps);
    }
    if (stamps === undefined) return true;
    // A loop, not map/flatMap: this runs on every tagged hit the comparison above did not settle.
    const current = new Array<string | undefined>(stamps.length);
    let unread: number[] | undefined;
    for (let i = 0; i < stamps.length; i++) {
      const at = prefetched === undefined || known === undefined ? -1 : known.indexOf(stamps[i][0]);
      if (at >= 0) current[i] = prefetched![at];
      else (unread ??= []).push(i);
    }
    if (unread === undefined) return TagTokens.holds(stamps, current);
    return this.tokens.read(unread.map((i) => stamps[i][0])).then((read) => {
      unread.forEach((i, n) => (current[i] = read[n]));
      return TagTokens.holds(stamps, current);
    });
  }

  /** The entries of a batch, with those whose stamps no longer hold replaced by null: one token read for all. */
  async withoutInvalidated(entries: ReadonlyArray<Buffer | null | undefined>): Promise<Array<Buffer | null | undefined>> {
    const stampsOf = entries.map((bytes) => (bytes == null ? undefined : this.stampsOf(bytes)));
    const tags = [...new Set(stampsOf.flatMap((stamps) => stamps?.map(([tag]) => tag) ?? []))];
    const position = new Map(tags.map((tag, i) => [tag, i]));
    const current = await this.tokens.read(tags);
    return entries.map((bytes, i) => {
      const stamps = stampsOf[i];
      if (stamps === undefined) return bytes;
      return TagTokens.holds(stamps, stamps.map(([tag]) => current[position.get(tag)!])) ? bytes : null;
    });
  }

  /**
   * An entry's stamps (undefined when untagged or damaged). With the tags and tokens a lookup read with it, an entry
   * that carries exactly those (the common case) has them as stamps: built without parsing.
   */
  stampsFor(bytes: Buffer, prefetch?: TagPrefetch): TagStamp[] | undefined {
    const { tags, tokens } = prefetch ?? {};
    if (tags !== undefined && tokens !== undefined && compareStamps(bytes, tags, tokens) === StampMatch.Holds) {
      return tags.map((tag, i) => [tag, tokens[i]!] as const);
    }
    return this.stampsOf(bytes);
  }

  /** The tags an entry carries (none when untagged or damaged). */
  tagsOf(bytes: Buffer): string[] {
    return this.stampsOf(bytes)?.map(([tag]) => tag) ?? [];
  }

  /**
   * An entry's stamps; undefined when untagged or when its header is damaged. A damaged entry is let through to the
   * decoder, which refuses it too and, unlike a tag check, counts it as corrupt and removes it.
   */
  private stampsOf(bytes: Buffer): TagStamp[] | undefined {
    try {
      return this.codec.stamps(bytes);
    } catch {
      return undefined;
    }
  }

  /**
   * Before the loader runs: the stamps of known tags, or the epoch. A tag without a token gets none yet: a load that
   * is not stored (it threw, an HTTP 404) must leave no key behind, so afterLoad makes it, checking the epoch instead.
   */
  async beforeLoad<T>(source: TagSource<T>, prefetch: TagPrefetch): Promise<LoadTicket> {
    if (!('known' in source)) return { epoch: await this.tokens.epochBefore(prefetch.epoch) };
    const current = prefetch.tags === source.known && prefetch.tokens !== undefined ? prefetch.tokens : await this.tokens.read(source.known);
    if (current.every((token) => token !== undefined)) return { stamps: source.known.map((tag, i) => [tag, current[i]!] as const) };
    return { known: source.known, current, epoch: await this.tokens.epochBefore(undefined) };
  }

  /**
   * After the loader: the stamps to store the value with, or undefined when it must not be stored (tags from the
   * value, and some tag of the namespace was invalidated while it loaded). The epoch is read after the tokens, not
   * with them: an invalidation moves the epoch before it replaces a token, so a token seen new means an epoch seen new.
   */
  async afterLoad<T>(source: TagSource<T>, ticket: LoadTicket, value: T, ttlMs: number): Promise<TagStamp[] | undefined> {
    if ('stamps' in ticket) return ticket.stamps;
    // Tokens made now are newer than the load: only an unmoved epoch says no tag was invalidated while it ran.
    const stamps =
      'known' in ticket
        ? await this.tokens.snapshot(ticket.known, ticket.current, ttlMs)
        : await this.tokensOf(validTags((source as { fromValue: (value: T) => readonly string[] }).fromValue(value), 'getOrSet', undefined), ttlMs);
    return (await this.tokens.readEpoch()) === ticket.epoch ? stamps : undefined;
  }

  private async tokensOf(tags: readonly string[], ttlMs: number): Promise<TagStamp[]> {
    return this.tokens.snapshot(tags, await this.tokens.read(tags), ttlMs);
  }
}

/** Tags as read-through takes them: validated now when known, when the value comes when computed from it. */
export function tagSourceOf<T>(
  tags: readonly string[] | ((value: T) => readonly string[]),
  key: string,
): TagSource<T> | undefined {
  if (typeof tags === 'function') return { fromValue: tags };
  const known = validTags(tags, 'getOrSet', key);
  return known.length === 0 ? undefined : { known };
}

import type { EntryCodec } from '../../entry/entry-codec.js';
import type { TagStamp } from '../../entry/entry-format.js';
import { validTags } from './tag-rules.js';
import { TagTokens } from './tag-tokens.js';

/** The tags of one read-through call: known at the call site, or computed from the loaded value. */
export type TagSource<T> = { known: readonly string[] } | { fromValue: (value: T) => readonly string[] };

/** What a lookup fetched beside the entry, in the same round trip. */
export interface TagPrefetch {
  /** Current tokens of the call's known tags. */
  tokens?: ReadonlyArray<string | undefined>;
  /** The namespace's epoch, for tags that come from the value. */
  epoch?: string;
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
  constructor(
    readonly tokens: TagTokens,
    private readonly codec: EntryCodec,
  ) {}

  /** Starts the token (or epoch) read for a lookup: call it in the same tick as the entry's GET. */
  prefetch<T>(source: TagSource<T> | undefined): Promise<TagPrefetch> {
    if (source === undefined) return Promise.resolve({});
    if ('known' in source) return this.tokens.read(source.known).then((tokens) => ({ tokens }));
    return this.tokens.readEpoch().then((epoch) => ({ epoch }));
  }

  /**
   * Whether a found entry may be served: untagged, or every stamp still holds. Tokens the prefetch read are used;
   * others (an entry tagged differently than this call says, or a plain get) cost one more round trip.
   */
  async holds(bytes: Buffer, known?: readonly string[], prefetched?: ReadonlyArray<string | undefined>): Promise<boolean> {
    const stamps = this.stampsOf(bytes);
    if (stamps === undefined) return true;
    // Tokens the prefetch read for the call's known tags; the entry's other tags are read now.
    const current = stamps.map(([tag]) => (prefetched === undefined ? undefined : prefetched[known?.indexOf(tag) ?? -1]));
    const unread = stamps.flatMap(([tag], i) => (prefetched !== undefined && (known?.includes(tag) ?? false) ? [] : [i]));
    if (unread.length > 0) {
      const read = await this.tokens.read(unread.map((i) => stamps[i][0]));
      unread.forEach((i, n) => (current[i] = read[n]));
    }
    return TagTokens.holds(stamps, current);
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

  /** An entry's stamps (undefined when untagged or damaged). */
  stampsFor(bytes: Buffer): TagStamp[] | undefined {
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
    const current = prefetch.tokens ?? (await this.tokens.read(source.known));
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

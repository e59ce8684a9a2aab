import { CacheError, type CacheOperation } from '../../kernel/cache-error.js';
import { messages } from '../../kernel/messages.js';

/** Most tags one entry may carry: each costs a token read on every read of it. */
export const MAX_TAGS_PER_ENTRY = 8;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 128;
/**
 * Printable ASCII without spaces, `{` or `}`: braces would make Redis Cluster hash only part of the token key
 * (a hash tag), and tags travel in a length-prefixed ASCII field of the entry header.
 */
const TAG_PATTERN = /^[\x21-\x7a|~]+$/;

/** Checks one call's tags; the error names what is wrong. Returns them without duplicates, in order. */
export function validTags(tags: unknown, operation: CacheOperation, key: string | undefined, limit = MAX_TAGS_PER_ENTRY): string[] {
  const list = typeof tags === 'string' ? [tags] : tags;
  if (!Array.isArray(list)) throw new CacheError(operation, key, messages.tagsNotList(typeof tags));
  // A short list is checked for duplicates pairwise: no Set per call (getOrSet with tags validates on every call).
  const unique = list.length <= limit && !hasDuplicate(list) ? list.slice() : [...new Set(list)];
  if (unique.length > limit) {
    throw new CacheError(operation, key, messages.tooManyTags(limit, unique.length));
  }
  for (const tag of unique) {
    if (typeof tag !== 'string') throw new CacheError(operation, key, messages.tagNotString(typeof tag));
    if (tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
      throw new CacheError(operation, key, messages.tagLength(MAX_TAG_LENGTH, tag.length));
    }
    if (!TAG_PATTERN.test(tag)) {
      throw new CacheError(operation, key, messages.tagCharacters(tag.slice(0, 64)));
    }
  }
  return unique;
}

function hasDuplicate(list: readonly unknown[]): boolean {
  for (let i = 1; i < list.length; i++) for (let j = 0; j < i; j++) if (list[i] === list[j]) return true;
  return false;
}

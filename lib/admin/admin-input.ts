import { BadRequestException } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import { CacheKeys } from '../kernel/cache-keys.js';
import { validTags } from '../invalidation/tags/tag-rules.js';

/** Most keys (and most tags) one POST /cache/invalidate takes. */
export const MAX_KEYS_PER_REQUEST = 1000;

/** What POST /cache/invalidate asks for, checked. */
export interface InvalidateRequest {
  keys?: string[];
  prefix?: string;
  tags?: string[];
}

const FIELDS = new Set(['keys', 'prefix', 'tags']);

/**
 * Checks a key with the API's own rules (length, reserved segments), in any namespace: the same message a CacheManager
 * call would throw, as a 400.
 */
export function checkedKey(key: unknown, what = 'key'): string {
  return rejectingBadInput(() => {
    new CacheKeys('admin').full(key, 'invalidate');
    return key as string;
  }, what);
}

/** The body of POST /cache/invalidate: `{ keys?, prefix?, tags? }`, at least one, each by the API's rules. */
export function checkedInvalidateRequest(body: unknown): InvalidateRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequestException('the body must be a JSON object { keys?, prefix?, tags? }');
  const unknown = Object.keys(body).filter((field) => !FIELDS.has(field));
  if (unknown.length > 0)
    throw new BadRequestException(`unknown field ${JSON.stringify(unknown[0])}: the body takes keys, prefix and tags`);
  const { keys, prefix, tags } = body as Record<string, unknown>;
  if (keys === undefined && prefix === undefined && tags === undefined)
    throw new BadRequestException('give at least one of keys, prefix and tags');
  const request: InvalidateRequest = {};
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS_PER_REQUEST)
      throw new BadRequestException(`keys must be an array of 1..${MAX_KEYS_PER_REQUEST} keys`);
    request.keys = keys.map((key, i) => checkedKey(key, `keys[${i}]`));
  }
  if (prefix !== undefined) request.prefix = checkedKey(prefix, 'prefix');
  if (tags !== undefined) {
    request.tags = rejectingBadInput(() => validTags(tags, 'invalidate', undefined, MAX_KEYS_PER_REQUEST), 'tags');
    if (request.tags.length === 0) throw new BadRequestException('tags must name at least one tag');
  }
  return request;
}

function rejectingBadInput<T>(check: () => T, what: string): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof CacheError) throw new BadRequestException(`${what} is invalid: ${error.message}`);
    throw error;
  }
}

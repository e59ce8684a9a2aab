import { parseTtl } from '../kernel/ttl.js';
import type { TagOptions } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, configError } from './option-checks.js';

/** `tags`, validated: the token memo's bound, or undefined when it is off. */
export function resolveTags(given: TagOptions | undefined): { maxStalenessMs: number } | undefined {
  const { tokenMemo = CACHE_DEFAULTS.tags.tokenMemo } = conceptObject('tags', given, '{ tokenMemo? }');
  if (tokenMemo === false) return undefined;
  const memo = tokenMemo === true ? {} : tokenMemo;
  if (memo === null || typeof memo !== 'object' || Array.isArray(memo))
    throw configError(`option "tags.tokenMemo" must be true, false or { maxStaleness? }, got ${JSON.stringify(tokenMemo)}`);
  const maxStaleness = memo.maxStaleness ?? CACHE_DEFAULTS.whenOn.tokenMemo.maxStaleness;
  const maxStalenessMs = parseTtl(maxStaleness, 'configure', undefined, 'option "tags.tokenMemo.maxStaleness"');
  if (!(maxStalenessMs >= 100)) throw configError(`option "tags.tokenMemo.maxStaleness" must be at least 100 ms, got ${maxStalenessMs} ms`);
  return { maxStalenessMs };
}

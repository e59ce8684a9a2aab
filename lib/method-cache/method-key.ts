import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

// Sorted keys, Dates through toJSON, BigInt as digits, cycles marked: equal arguments give equal text.
const stableStringify = configure({ bigint: true, circularValue: '[Circular]', deterministic: true });

/** The default key of a decorated method: `ClassName.method:` and a short hash of its arguments. */
export function defaultMethodKey(cacheName: string, args: readonly unknown[]): string {
  const digest = createHash('sha1')
    .update(stableStringify(args) ?? '')
    .digest('base64url')
    .slice(0, 22);
  return `${cacheName}:${digest}`;
}

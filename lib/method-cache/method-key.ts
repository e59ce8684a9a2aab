import { createHash } from 'node:crypto';
import { encodeList, encodeValue, joinList, KeyRefusal } from './key-encoding.js';

/**
 * The default key of a decorated method: `ClassName.method:` and the SHA-256 of its arguments' canonical text
 * (key-encoding.ts), or why an argument cannot be part of it. Always hashed, never the text itself: arguments may carry
 * credentials or personal data, and keys are visible to anyone who can SCAN and in logs.
 */
export function defaultMethodKey(cacheName: string, args: readonly unknown[]): string | KeyRefusal {
  const text = encodeList(args);
  return text instanceof KeyRefusal ? text : keyOfText(cacheName, text);
}

/**
 * The default keys of a batch call `(ids, ...rest)`: for each id, the key `defaultMethodKey(cacheName, [id, ...rest])`
 * would give (the rest encoded once); or why an id or another argument cannot be part of it.
 */
export function defaultBatchKeys(cacheName: string, ids: readonly unknown[], rest: readonly unknown[]): string[] | KeyRefusal {
  const restParts: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const part = encodeValue(rest[i], i + 1);
    if (part instanceof KeyRefusal) return part;
    restParts.push(part);
  }
  const keys: string[] = [];
  for (const id of ids) {
    const part = encodeValue(id, 0);
    if (part instanceof KeyRefusal) return part;
    keys.push(keyOfText(cacheName, joinList([part, ...restParts])));
  }
  return keys;
}

function keyOfText(cacheName: string, text: string): string {
  return `${cacheName}:${createHash('sha256').update(text).digest('base64url')}`;
}

import { CacheError, type CacheOperation } from './cache-error.js';
import { messages } from './messages.js';

/**
 * The version of a namespace's cached shape: part of every key (`orders:v3:…`), so entries written by code that
 * stored another shape are never read. A non-negative integer, or a short string of letters, digits, `_`, `.`, `-`.
 */
export type CacheVersion = number | string;

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$/;

/** Whether `text` is a version as it appears in keys (`3`, `2026-11`). */
export function isVersion(text: string): boolean {
  return VERSION_PATTERN.test(text);
}

/** The version as it appears in keys (`3` and `'3'` are one version), or a CacheError naming `where`. */
export function resolveVersion(version: unknown, where: string, operation: CacheOperation = 'configure'): string {
  if (typeof version === 'number' && Number.isSafeInteger(version) && version >= 0) return String(version);
  if (typeof version === 'string' && VERSION_PATTERN.test(version)) return version;
  throw new CacheError(
    operation,
    undefined,
    messages.badVersion(where, describe(version)),
  );
}

/** Like resolveVersion, for an optional setting. */
export function resolveOptionalVersion(version: unknown, where: string): string | undefined {
  return version === undefined ? undefined : resolveVersion(version, where);
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value) ?? String(value);
  return value === null ? 'null' : typeof value;
}

import { CacheError, type CacheOperation } from './cache-error.js';
import { isVersion } from './cache-version.js';
import { messages } from './messages.js';

// The key layout: every reserved segment the package writes inside a namespace is declared here, in one place.
/** Stampede locks (and failed-loader throttle markers) live beside the namespace's keys. */
export const LOCK_SEGMENT = '__lock__:';
/** Tag tokens: `<namespace>:__tag__:<tag>`. */
export const TAG_SEGMENT = '__tag__:';
/** The namespace's tag invalidation epoch. */
export const EPOCH_SEGMENT = '__tag-epoch__';
/** Warmers' singleInstance locks live at `<namespace>:__lock__:__warmer__:<Class.method>`. */
export const WARMER_SEGMENT = '__warmer__:';
/** The tracking channels' heartbeat keys, `<namespace>:__l1-lease__:<id>:…`. */
export const L1_LEASE_SEGMENT = '__l1-lease__:';
/**
 * Where the periodic measurements keep their turn locks and shared reports: inside the module's namespace (so a Redis
 * ACL user limited to `~<namespace>:*` can run them), under a segment user keys may not start with.
 */
export const MONITOR_SEGMENT = '__monitor__:';

/**
 * Key prefixes the package uses inside a namespace, and under each of its versions (`<namespace>:v<version>:`): user
 * keys may not start with them, and user-facing removal (invalidatePrefix) skips the keys that do.
 */
const RESERVED_SEGMENTS: ReadonlyArray<[string, string]> = [
  [LOCK_SEGMENT, 'stampede locks'],
  [TAG_SEGMENT, 'tag tokens'],
  [EPOCH_SEGMENT, 'the tag invalidation epoch'],
  [MONITOR_SEGMENT, 'the footprint and INFO measurements'],
  [WARMER_SEGMENT, 'warmer locks'],
  [L1_LEASE_SEGMENT, 'the in-process tier\'s heartbeats'],
];

/** Longest key a caller may pass (before the namespace is added). */
export const MAX_KEY_LENGTH = 1024;

/**
 * Longest namespace, in characters (as long as a version may be). It prefixes every key and is the `namespace` label of
 * every metric series, so it stays short: a long one costs on every key in Redis and every line of /metrics.
 */
export const MAX_NAMESPACE_LENGTH = 64;

const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

export function assertValidNamespace(namespace: unknown, where = 'option "namespace"'): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace.length > MAX_NAMESPACE_LENGTH || !NAMESPACE_PATTERN.test(namespace)) {
    throw new CacheError(
      'configure',
      undefined,
      messages.badNamespace(where, MAX_NAMESPACE_LENGTH, describeNamespace(namespace)),
    );
  }
}

/** What was given, short enough for an error message whatever its size. */
function describeNamespace(namespace: unknown): string {
  if (typeof namespace === 'number' || typeof namespace === 'boolean') return String(namespace);
  if (typeof namespace !== 'string') return namespace === null ? 'null' : typeof namespace;
  if (namespace.length <= MAX_NAMESPACE_LENGTH) return JSON.stringify(namespace);
  return `a string of ${namespace.length} characters starting ${JSON.stringify(namespace.slice(0, 16))}`;
}

/**
 * Builds `<namespace>:<key>` so services sharing one Redis never see each other's keys, and `<namespace>:v<version>:<key>`
 * for a versioned namespace, so a new shape never reads entries of the old one.
 */
export class CacheKeys {
  readonly prefix: string;

  constructor(
    readonly namespace: string,
    /** As resolveVersion returns it; undefined for an unversioned namespace. */
    readonly version?: string,
  ) {
    this.prefix = CacheKeys.prefixOf(namespace, version);
  }

  /** The key prefix of a namespace at a version: also what identifies a CacheManager among its siblings. */
  static prefixOf(namespace: string, version: string | undefined): string {
    return version === undefined ? `${namespace}:` : `${namespace}:v${version}:`;
  }

  full(key: unknown, operation: CacheOperation): string {
    if (typeof key !== 'string') {
      throw new CacheError(operation, undefined, messages.keyNotString(typeof key));
    }
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new CacheError(operation, key.slice(0, 64), messages.keyLength(MAX_KEY_LENGTH, key.length));
    }
    const first = key.charCodeAt(0);
    if ((first === 95 /* _ */ && key.charCodeAt(1) === 95) || (first === 118 /* v */ && this.version === undefined)) {
      this.assertNotReserved(key, operation);
    }
    return this.prefix + key;
  }

  /**
   * Whether `fullKey`, a key under this namespace's prefix, is one of the package's own (a tag token, a lock, the epoch,
   * a heartbeat, a monitor report). An unversioned namespace's prefix also covers every version's: their own keys too.
   */
  isReserved(fullKey: string): boolean {
    return reservedAt(fullKey, this.prefix.length, this.version === undefined) !== undefined;
  }

  private assertNotReserved(key: string, operation: CacheOperation): void {
    const reserved = reservedAt(key, 0, this.version === undefined);
    if (reserved !== undefined) {
      const [segment, use] = reserved;
      throw new CacheError(operation, key.slice(0, 64), messages.reservedKey(segment, use));
    }
  }

  /** Where the stampede lock of `key` lives. */
  lockKey(key: string): string {
    return this.prefix + LOCK_SEGMENT + key;
  }

  /** SCAN pattern matching every key of this namespace (the namespace itself has no glob characters). */
  get allPattern(): string {
    return `${this.prefix}*`;
  }
}

/**
 * The reserved segment `text` starts with at `start` (as `[segment, use]`, the segment with the version before it when
 * `underVersions` and it sits under `v<version>:`), or undefined.
 */
function reservedAt(text: string, start: number, underVersions: boolean): [string, string] | undefined {
  const found = segmentAt(text, start);
  if (found !== undefined || !underVersions || text.charCodeAt(start) !== 118 /* v */) return found;
  const colon = text.indexOf(':', start + 1);
  const underVersion = colon < 0 ? undefined : segmentAt(text, colon + 1); // cheap first: most keys fail here
  if (underVersion === undefined || !isVersion(text.slice(start + 1, colon))) return undefined;
  return [text.slice(start, colon + 1) + underVersion[0], underVersion[1]];
}

function segmentAt(text: string, start: number): [string, string] | undefined {
  if (text.charCodeAt(start) !== 95 /* _ */ || text.charCodeAt(start + 1) !== 95) return undefined;
  for (const [segment, use] of RESERVED_SEGMENTS) if (text.startsWith(segment, start)) return [segment, use];
  return undefined;
}

/**
 * The tag whose token lives at `fullKey` (`<namespace>:__tag__:<tag>`, or `<namespace>:v<version>:__tag__:<tag>` in a
 * versioned namespace), given where its namespace ends (its first colon); undefined for any other key.
 */
export function tagOfTokenKey(fullKey: string, namespaceEnd: number): string | undefined {
  let start = namespaceEnd + 1;
  if (fullKey.charCodeAt(start) === 118 /* v */ && !fullKey.startsWith(TAG_SEGMENT, start)) {
    const versionEnd = fullKey.indexOf(':', start);
    if (versionEnd > 0) start = versionEnd + 1;
  }
  return fullKey.startsWith(TAG_SEGMENT, start) ? fullKey.slice(start + TAG_SEGMENT.length) : undefined;
}

/** The turn lock and the shared report of one measurement of a module's fleet. */
export function monitorKeys(namespace: string, measurement: string): { turnKey: string; reportKey: string } {
  const report = `${namespace}:${MONITOR_SEGMENT}${measurement}`;
  return { turnKey: `${report}:turn`, reportKey: report };
}

/** Whether `key` (whose namespace ends at `colon`) is one of these: not part of what the namespace stores. */
export function isMonitorKey(key: string, colon: number): boolean {
  return key.charCodeAt(colon + 1) === 95 /* _ */ && key.startsWith(MONITOR_SEGMENT, colon + 1);
}

/**
 * What the package tells its users when it refuses a call or an option, or changes how it runs: the wording in one
 * place, each message with the fix where one exists. Imported from every layer (this file imports nothing).
 */
export const messages = {
  // Keys and namespaces
  keyNotString: (type: string): string => `key must be a string, got ${type}`,
  keyLength: (max: number, length: number): string =>
    `key length must be 1..${max}, got ${length}${length > max ? ': hash a long key (e.g. SHA-256 of its parts) before passing it' : ''}`,
  reservedKey: (segment: string, use: string): string => `keys starting with "${segment}" are reserved for ${use}`,
  badNamespace: (where: string, max: number, got: string): string =>
    `${where} must be a non-empty string of at most ${max} letters, digits, "_", "." or "-" (starting with a letter or digit); got ${got}`,
  badVersion: (where: string, got: string): string =>
    `${where} must be a non-negative integer or a string of 1 to 64 letters, digits, "_", "." or "-" (not starting with "_", "." or "-"); got ${got}`,
  namespaceBudget: (namespace: string, max: number): string =>
    `withNamespace(${JSON.stringify(namespace)}): option "maxRuntimeNamespaces" allows ${max} namespaces made at runtime besides the configured ones, and all are in use (list the namespace in "namespaces", or raise the option)`,
  namespaceInUse: (namespace: string): string =>
    `namespace "${namespace}" is already in use with other serializer/compression settings: keep the manager withNamespace returned, or give each setting its own namespace`,

  // TTLs
  ttlNeverHere: (subject: string): string => `${subject} cannot be 'never': only an entry's TTL can ask for no expiry`,
  ttlUnparsable: (subject: string, got: string): string => `${subject} ${got} is neither milliseconds nor a duration like '30s', '5m', '1h'`,
  ttlNotPositive: (subject: string, got: string): string => `${subject} must be positive, got ${got} (0 does not mean "no expiry")`,
  ttlTooLong: (what: string, longest: string): string => `${what} is over the longest TTL an entry can have (${longest})`,
  ttlOverRedis: (what: string, longestPx: number): string => `${what} is over the longest TTL Redis is sent (${longestPx} ms)`,
  neverWithStale: (subject: string, names: string): string =>
    `${subject} (no expiry) cannot be used with ${names}: they are measured from an expiry: give a TTL, or leave them out where the TTL is 'never'`,

  // Tags
  tagsNotList: (type: string): string => `tags must be a string or an array of strings, got ${type}`,
  tooManyTags: (limit: number, count: number): string => `at most ${limit} tags at once, got ${count}`,
  tagNotString: (type: string): string => `a tag must be a string, got ${type}`,
  tagLength: (max: number, length: number): string => `tag length must be 1..${max}, got ${length}`,
  tagCharacters: (tag: string): string =>
    `tag ${JSON.stringify(tag)} may hold printable ASCII only, without spaces, "{" or "}" (use ":" or "-" to separate its parts)`,

  // The in-process tier
  l1Unnecessary: (): string => 'l1 is ignored: with the embedded in-process store every read is already in memory (l1 fronts Redis)',
  l1Fallback: (reason: string): string =>
    `l1 runs ttl-only: Redis invalidation messages (CLIENT TRACKING) are unavailable (${reason}); entries live at most ` +
    `l1.maxStaleness in memory. Set l1.coherence: 'ttl' to silence this, or 'tracking' to make it a boot error`,
  l1TrackingRequired: (reason: string): string =>
    `l1.coherence is 'tracking' but Redis refused CLIENT TRACKING (${reason}). Potential solutions: Redis 6 or later ` +
    `without a proxy in between; an ACL allowing CLIENT ID, CLIENT TRACKING and SUBSCRIBE __redis__:invalidate; ` +
    `or l1.coherence: 'ttl'`,
  l1Waiting: (reason: string): string => `l1 waits for its tracking connection (${reason}); reads skip it until then`,
  tokenMemoOff: (reason: string): string =>
    `tags.tokenMemo is off: Redis invalidation messages (CLIENT TRACKING) are unavailable (${reason}); tagged reads ` +
    `read their tags' tokens from Redis`,
  trackingClientShared: (): string =>
    'another CacheModule in this process already tracks reads on this ioredis client (one redis.client shared by two ' +
    'modules): a connection redirects its invalidations to one channel only',
  l1RefusedLater: (reason: string): string => `Redis refused CLIENT TRACKING on a tracking connection: ${reason}`,
} as const;

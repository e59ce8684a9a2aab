/** What the in-process tier tells users at startup, in one place. */
export const l1Messages = {
  unnecessary: (): string => 'l1 is ignored: with the embedded in-process store every read is already in memory (l1 fronts Redis)',
  fallback: (reason: string): string =>
    `l1 runs ttl-only: Redis invalidation messages (CLIENT TRACKING) are unavailable (${reason}); entries live at most ` +
    `l1.maxStaleness in memory. Set l1.coherence: 'ttl' to silence this, or 'tracking' to make it a boot error`,
  trackingRequired: (reason: string): string =>
    `l1.coherence is 'tracking' but Redis refused CLIENT TRACKING (${reason}). Potential solutions: Redis 6 or later ` +
    `without a proxy in between; an ACL allowing CLIENT ID, CLIENT TRACKING and SUBSCRIBE __redis__:invalidate; ` +
    `or l1.coherence: 'ttl'`,
  waiting: (reason: string): string => `l1 waits for its tracking connection (${reason}); reads skip it until then`,
  refusedLater: (reason: string): string => `Redis refused CLIENT TRACKING on a tracking connection: ${reason}`,
};

/** The sample's "databases" are in-memory maps; every call waits this long, so a cache hit is visibly faster than a load. */
export const DB_LATENCY_MS = 50;

export const dbLatency = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, DB_LATENCY_MS));

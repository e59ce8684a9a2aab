/** Reserved key segment (see CacheKeys): the tracking channels' heartbeat keys, `<namespace>:__l1-lease__:<id>:…`. */
export const L1_LEASE_SEGMENT = '__l1-lease__:';

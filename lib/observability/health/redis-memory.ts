/** What health reads from `INFO memory`. */
export interface RedisMemory {
  usedBytes: number;
  /** `maxmemory`; 0 means no limit. */
  maxBytes: number;
}

/** Parses the `used_memory` and `maxmemory` fields of `INFO memory`; undefined when either is missing. */
export function parseMemoryInfo(info: string): RedisMemory | undefined {
  const used = field(info, 'used_memory');
  const max = field(info, 'maxmemory');
  return used === undefined || max === undefined ? undefined : { usedBytes: used, maxBytes: max };
}

function field(info: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
  return match === null ? undefined : Number(match[1]);
}

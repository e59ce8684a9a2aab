/**
 * Where the periodic measurements keep their turn locks and shared reports: inside the module's namespace (so a Redis
 * ACL user limited to `~<namespace>:*` can run them), under a segment user keys may not start with.
 */
export const MONITOR_SEGMENT = '__monitor__:';

/** The turn lock and the shared report of one measurement of a module's fleet. */
export function monitorKeys(namespace: string, measurement: string): { turnKey: string; reportKey: string } {
  const report = `${namespace}:${MONITOR_SEGMENT}${measurement}`;
  return { turnKey: `${report}:turn`, reportKey: report };
}

/** Whether `key` (whose namespace ends at `colon`) is one of these: not part of what the namespace stores. */
export function isMonitorKey(key: string, colon: number): boolean {
  return key.charCodeAt(colon + 1) === 95 /* _ */ && key.startsWith(MONITOR_SEGMENT, colon + 1);
}

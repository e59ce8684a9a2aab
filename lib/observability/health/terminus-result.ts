import type { CacheHealthReport, CacheHealthResult } from './cache-health-report.js';

interface TerminusSession {
  up(data: object): unknown;
  down(data: object): unknown;
  /** Terminus 12 and later. */
  degraded?(data: object): unknown;
}

type SessionFactory = (key: string) => TerminusSession | undefined;

let sessions: Promise<SessionFactory> | undefined;

/**
 * Terminus's own HealthIndicatorService when it is installed (loaded on the first check, so the package never needs
 * it); the same result shape built here when it is not.
 */
function loadSessions(): Promise<SessionFactory> {
  sessions ??= import('@nestjs/terminus').then(
    (terminus) => {
      const service = new terminus.HealthIndicatorService();
      return (key: string) => service.check(key) as TerminusSession;
    },
    () => () => undefined,
  );
  return sessions;
}

/**
 * The report as Terminus expects it. Terminus 11 has no `degraded`: there it is `up` with `degraded: true`, so a
 * cache that fails open never fails a readiness probe.
 */
export async function terminusResult<Key extends string>(key: Key, report: CacheHealthReport): Promise<CacheHealthResult<Key>> {
  const data = withoutUndefined(report.details);
  const session = (await loadSessions())(key);
  if (session === undefined) return { [key]: { ...data, status: report.status } } as CacheHealthResult<Key>;
  const result =
    report.status === 'degraded' ? (session.degraded?.(data) ?? session.up({ ...data, degraded: true })) : session[report.status](data);
  return result as CacheHealthResult<Key>;
}

function withoutUndefined(details: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

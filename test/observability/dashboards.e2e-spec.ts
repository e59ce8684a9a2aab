/**
 * The shipped Grafana dashboard and Prometheus rules query only metrics the package emits: the built sample app runs
 * on a real Redis, is exercised until every series they name exists (a labelled counter or histogram appears only once
 * observed), and its /metrics is checked against every metric name in dashboards/. docs/operations/dashboards.md must
 * list exactly the panels and alerts there are. Build first (the pretest step).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import yaml from 'js-yaml';
import { parsePrometheusText, type PromSample } from '../support/prometheus-text.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { assertSampleAppBuilt, SampleAppProcess } from '../support/sample-app-process.js';

const DASHBOARDS = fileURLToPath(new URL('../../dashboards/', import.meta.url));
/** The page that describes every panel and alert to operators. */
const DASHBOARDS_PAGE = fileURLToPath(new URL('../../docs/operations/dashboards.md', import.meta.url));

interface Rules {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string; labels?: Record<string, string> }> }>;
}

interface Dashboard {
  panels: Array<{ id: number; title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ definition?: string }> };
}

function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(`${DASHBOARDS}grafana-cache.json`, 'utf8')) as Dashboard;
}

/** Every PromQL expression of the dashboard (panel targets and template queries). */
function dashboardExpressions(): string[] {
  const dashboard = readDashboard();
  return [
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ...dashboard.templating.list.flatMap((variable) => (variable.definition === undefined ? [] : [variable.definition])),
  ];
}

function ruleExpressions(): string[] {
  const rules = yaml.load(readFileSync(`${DASHBOARDS}alerts.yml`, 'utf8')) as Rules;
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

function metricNames(expressions: readonly string[]): Set<string> {
  return new Set(expressions.flatMap((expression) => expression.match(/\bcache_[a-z0-9_]+/g) ?? []));
}

async function scrape(app: SampleAppProcess): Promise<PromSample[]> {
  const response = await request(app.url).get('/metrics').expect(200);
  return parsePrometheusText(response.text);
}

function exposedValue(samples: PromSample[], name: string, namespace: string): number | undefined {
  return samples.find((sample) => sample.name === name && sample.labels.namespace === namespace)?.value;
}

describe('dashboards/ against the sample app', () => {
  const db = useRedisServer();
  let app: SampleAppProcess | undefined;

  beforeAll(async () => {
    assertSampleAppBuilt();
    app = await SampleAppProcess.start({ REDIS_URL: db.server.url });
  });
  afterAll(() => app?.kill());

  it('the dashboard and the rules parse and name the panels and alerts docs/operations/dashboards.md describes', () => {
    const rules = yaml.load(readFileSync(`${DASHBOARDS}alerts.yml`, 'utf8')) as Rules;
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    expect(alerts).toEqual([
      'CacheHitRatioCollapse',
      'CacheCircuitOpen',
      'CacheErrorRate',
      'CacheRedisMemoryNearLimit',
      'CacheRedisEvicting',
    ]);
    for (const expression of [...dashboardExpressions(), ...ruleExpressions()]) expect(expression).toMatch(/\bcache_/);

    // The page's panel table (`| 7 | **Circuit state** |`) and alert headings (`### `CacheCircuitOpen``), in order.
    const page = readFileSync(DASHBOARDS_PAGE, 'utf8');
    const documentedPanels = [...page.matchAll(/^\| (\d+) \| \*\*([^*]+)\*\* \|/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(documentedPanels).toEqual(readDashboard().panels.map((panel) => `${panel.id} ${panel.title}`));
    expect([...page.matchAll(/^### `(\w+)`$/gm)].map((match) => match[1])).toEqual(alerts);
  });

  it('every metric the dashboard and the rules query exists on /metrics once the app has served traffic', async () => {
    const sample = app!;
    await request(sample.url).get('/products/1').expect(200); // miss, load
    await request(sample.url).get('/products/1').expect(200); // hit
    await request(sample.url).get('/reports/daily').expect(200); // msgpack, compressed: bytes saved
    // A damaged entry is an error (counted, reason "unknown_format") and a miss, never a failed request.
    await db.redis.set('sample:product:2', Buffer.from([0x81, 0x00]));
    await request(sample.url).get('/products/2').expect(200);
    // An invalidation while Redis is down waits in the queue (cache_invalidations_pending), then is applied.
    await db.server.stop();
    await request(sample.url).put('/products/3').send({ price: 249 });
    expect(exposedValue(await scrape(sample), 'cache_invalidations_pending', 'sample')).toBe(1);
    await db.server.launch();
    await waitUntil(
      'the pending invalidation to be applied',
      10_000,
      async () => exposedValue(await scrape(sample), 'cache_invalidations_pending', 'sample') === 0,
    );
    // The footprint sampler and the INFO reader run at boot (and every interval); wait for their reports.
    await waitUntil('the footprint and INFO series', 10_000, async () => {
      const names = new Set((await scrape(sample)).map((s) => s.name));
      return names.has('cache_footprint_bytes') && names.has('cache_redis_evicted_keys_total');
    });

    const exposed = new Set((await scrape(sample)).map((s) => s.name));
    const queried = metricNames([...dashboardExpressions(), ...ruleExpressions()]);
    expect(queried.size).toBeGreaterThanOrEqual(15);
    const missing = [...queried].filter((name) => !exposed.has(name));
    expect(missing).toEqual([]);
  });
});

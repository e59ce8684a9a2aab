import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useRedisServer } from '../support/redis-fixture.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { assertSampleAppBuilt } from '../support/sample-app-process.js';

const run = promisify(execFile);

/** The real PrometheusModule in plain Node (see test/support/prometheus-app.mjs for why not under Jest). */
describe('with the real PrometheusModule (@willsoto/nestjs-prometheus) in a Nest HTTP app', () => {
  const db = useRedisServer();

  async function scrape(mode: 'custom-registry' | 'prefix') {
    assertSampleAppBuilt(); // the script imports dist/
    const script = fileURLToPath(new URL('../support/prometheus-app.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [script, db.server.url, mode], { timeout: 20_000 });
    const { served, defaultRegistry } = JSON.parse(stdout) as { served: string; defaultRegistry: string };
    return { served: parsePrometheusText(served), defaultRegistry: parsePrometheusText(defaultRegistry) };
  }

  it("serves the cache metrics from the app's own registry at /metrics, and nothing of them from the default registry", async () => {
    const { served, defaultRegistry } = await scrape('custom-registry');
    expect(sampleValue(served, 'cache_hits_total', { namespace: 'prom-app', cache: 'direct' })).toBe(1);
    expect(sampleValue(served, 'cache_misses_total', { namespace: 'prom-app', cache: 'direct' })).toBe(1);
    expect(defaultRegistry.filter((sample) => sample.name.startsWith('cache_'))).toEqual([]);
  });

  it("registers them through the library's own providers: PrometheusModule's customMetricPrefix applies", async () => {
    const { served } = await scrape('prefix');
    expect(sampleValue(served, 'app_cache_hits_total', { namespace: 'prom-app', cache: 'direct' })).toBe(1);
    expect(served.filter((sample) => sample.name.startsWith('cache_'))).toEqual([]);
  });
});

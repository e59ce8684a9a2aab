import 'reflect-metadata';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { Injectable, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CACHE_EVENT_CHANNELS, CacheModule, CacheWarmer, type CacheErrorEvent, type WarmEntry } from '@datapunk/nestjs-cache';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { freePort } from '../support/redis-server.js';

/** A key that, written raw into a log, would add a line of its own (and clear the screen of whoever tails it). */
const FORGING_KEY = 'order:1\n[Nest] 4242  - 01/01/2026, 00:00:00     LOG [Orders] order 2 refunded\x1b[2J';
const ESCAPED_KEY = 'order:1\\n[Nest] 4242  - 01/01/2026, 00:00:00     LOG [Orders] order 2 refunded\\u001b[2J';
const CONTENT = 'CARD-4111-1111-1111-1111';

/** A warmer whose source fails with a message an attacker shaped (text from a remote service, say). */
@Injectable()
class ForgingWarmer {
  @CacheWarmer()
  async catalog(): Promise<WarmEntry[]> {
    throw new Error('catalog down\n[Nest] 1 - LOG forged\r\u2028 at redis://:hunter2@db:6379');
  }
}

/** Every line the app's logger is given, at any level. */
function everyLine(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: unknown) => void lines.push(String(message));
  return { lines, log: keep, warn: keep, error: keep, debug: keep, verbose: keep, fatal: keep };
}

/** Issue 18, item 13: a key containing "\n" forged a log line; a corrupt entry's log line and error event quoted its value. */
describe('what the module logs about keys and entries', () => {
  const db = useRedisServer();
  let module: TestingModule | undefined;
  afterEach(() => module?.close());

  it('a corrupt entry: one log line and one error event with the key (escaped) and the reason, never the value', async () => {
    const logger = warningCollector();
    let cache;
    ({ module, cache } = await bootCache({ namespace: 'logs', redis: { url: db.server.url } }, logger));
    await cache.set(FORGING_KEY, { card: CONTENT, note: 'n'.repeat(200) });
    // Damage the stored JSON's first byte: JSON.parse's message then quotes the start of the value.
    const fullKey = `logs:${FORGING_KEY}`;
    const entry = (await db.redis.getBuffer(fullKey))!;
    entry[entry.readUInt16BE(2)] = 0x21; // '!'
    await db.redis.set(fullKey, entry);

    const events: CacheErrorEvent[] = [];
    const listener = (event: unknown) => void events.push(event as CacheErrorEvent);
    subscribe(CACHE_EVENT_CHANNELS.error, listener);
    try {
      expect(await cache.get(FORGING_KEY)).toBeUndefined();
    } finally {
      unsubscribe(CACHE_EVENT_CHANNELS.error, listener);
    }

    expect(logger.warnings).toHaveLength(1);
    const [line] = logger.warnings;
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line).toContain(ESCAPED_KEY);
    expect(line).toMatch(/\(corrupt\): treated as a miss and removed/);
    expect(line).not.toContain(CONTENT);
    expect(line).not.toContain('card');

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ namespace: 'logs', operation: 'deserialize', reason: 'corrupt', key: FORGING_KEY });
    const printed = inspect(events[0].error, { depth: Infinity, showHidden: true });
    expect(printed).not.toContain(CONTENT);
    expect(printed).not.toContain('card');
    expect(await db.redis.exists(fullKey)).toBe(0); // removed, as any corrupt entry
  });

  it("a @CacheWarmer that throws a message with \\n: one escaped line, no forged one, and the message's secrets scrubbed", async () => {
    const logger = everyLine();
    const builder = Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'logs-warm', redis: { url: db.server.url }, warming: { blockBoot: true } })],
      providers: [ForgingWarmer],
    });
    module = await builder.setLogger(logger).compile();
    await module.init(); // blockBoot: the warmer has run (and failed) when init returns
    const failed = logger.lines.filter((line) => line.includes('ForgingWarmer.catalog: warming failed'));
    expect(failed).toEqual(['ForgingWarmer.catalog: warming failed: catalog down\\n[Nest] 1 - LOG forged\\r\\u2028 at redis://[redacted]@db:6379']);
    expect(logger.lines.filter((line) => line.includes('forged'))).toEqual(failed);
    for (const line of logger.lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it('a key with control characters in a fail-open warning (Redis unreachable) stays one escaped line', async () => {
    const logger = warningCollector();
    let cache;
    ({ module, cache } = await bootCache({ namespace: 'logs-down', redis: { host: '127.0.0.1', port: await freePort() } }, logger));
    logger.warnings.length = 0; // the startup line ("not reachable") is not what this test is about
    expect(await cache.getOrSet(FORGING_KEY, () => 'loaded')).toBe('loaded');
    const lines = logger.warnings.filter((line) => line.includes('serving without the cache'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`getOrSet "${ESCAPED_KEY}"`);
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });
});

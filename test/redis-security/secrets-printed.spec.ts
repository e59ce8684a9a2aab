import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheError, CacheHealthIndicator, type CacheManager, type CacheRedisOptions } from '@datapunk/nestjs-cache';
import { cacheProviders } from '../../lib/module/cache.providers.js';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';

const PASSWORD = 'Url-Pa55-7q3z-secret';

/** Everything Nest's logger and the console are given while `run` runs, as they would print it. */
async function captured<T>(run: (logger: LoggerService) => Promise<T>): Promise<{ result: T; printed: string }> {
  const lines: string[] = [];
  const add = (...parts: unknown[]) => void lines.push(parts.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 10 }))).join(' '));
  const logger: LoggerService = { log: add, error: add, warn: add, debug: add, verbose: add, fatal: add };
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => jest.spyOn(console, method).mockImplementation(add));
  try {
    return { result: await run(logger), printed: lines.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** Every way an error gets printed: inspect (console.error, Nest), its stack, String(), JSON, and each cause's message. */
function everyPrintedForm(error: unknown): string[] {
  const forms = [inspect(error, { depth: Infinity, showHidden: true }), String(error), JSON.stringify(error) ?? ''];
  for (let link = error, depth = 0; link instanceof Error && depth < 10; depth++, link = link.cause) {
    forms.push(link.message, link.stack ?? '', JSON.stringify(Object.getOwnPropertyDescriptors(link)));
  }
  return forms;
}

/** JSON.stringify, or the error it threw (a cycle names the path, never a value). */
function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch (error) {
    return String(error);
  }
}

/** What was printed just before the password, if it was: enough to find the holder without printing everything. */
function printedBefore(form: string): string | undefined {
  const at = form.indexOf(PASSWORD);
  return at < 0 ? undefined : form.slice(Math.max(0, at - 400), at);
}

/**
 * Issue 18, item 11: ioredis's error for a malformed URL carries the whole URL, and Nest printed it at boot, password
 * included; `console.log(cacheManager)` printed the options it keeps, password included.
 */
describe('no password printed for a malformed redis.url or a printed manager', () => {
  const db = {} as { server: RedisServer };
  beforeAll(async () => {
    db.server = await RedisServer.start(['--requirepass', PASSWORD]);
  });
  afterAll(() => db.server?.dispose());

  const malformed: Array<[string, (port: number) => string, RegExp]> = [
    ['a typo in the port', () => `redis://:${PASSWORD}@127.0.0.1:63a79`, /the port must be a number from 1 to 65535/],
    ['an unclosed "["', () => `redis://cache:${PASSWORD}@[::1:6379`, /an IPv6 address opened with "\[" is not closed/],
    ['a port out of range', () => `redis://:${PASSWORD}@127.0.0.1:99999`, /the port must be a number from 1 to 65535/],
    ['port 0', () => `redis://:${PASSWORD}@127.0.0.1:0`, /has port 0/],
    ['a database that is no number', (port) => `redis://:${PASSWORD}@127.0.0.1:${port}/cache`, /path that is not a database number/],
    ['a broken %-escape in the password', (port) => `redis://:${PASSWORD}%zz@127.0.0.1:${port}`, /broken %-escape/],
    ['a space in the host', () => `redis://:${PASSWORD}@cache host:6379`, /percent-encoded/],
    ['an unencoded "/" in the password', (port) => `redis://:${PASSWORD}/x@127.0.0.1:${port}`, /redis\.url/],
  ];

  it.each(malformed)('%s: the boot fails with a CacheError naming redis.url, with the password nowhere', async (_, url, problem) => {
    const { result: failure, printed } = await captured((logger) =>
      bootCache({ namespace: 'url-check', redis: { url: url(db.server.port) } }, logger).then(
        ({ module }) => module.close().then(() => undefined),
        (error: unknown) => error,
      ),
    );
    for (const form of [...everyPrintedForm(failure), printed]) expect(form).not.toContain(PASSWORD);
    expect(failure).toBeInstanceOf(CacheError);
    expect((failure as CacheError).message).toMatch(/option "redis\.url" /);
    expect((failure as CacheError).message).toMatch(problem);
  });

  describe('a running module', () => {
    let module: TestingModule | undefined;
    afterEach(() => module?.close());

    const configurations: Array<[string, () => CacheRedisOptions]> = [
      ['the password in the URL', () => ({ url: `redis://:${PASSWORD}@127.0.0.1:${db.server.port}` })],
      ['the password in options', () => ({ host: '127.0.0.1', port: db.server.port, options: { password: PASSWORD } })],
    ];

    it.each(configurations)('%s: console.log, util.inspect and JSON.stringify of the manager show no password', async (_, redis) => {
      let cache: CacheManager;
      ({ module, cache } = await bootCache({ namespace: 'printed', redis: redis() }));
      await cache.set('k', 1); // the password is right: the module is connected
      expect(await cache.get('k')).toBe(1);
      const versioned = cache.withNamespace('printed-v', { version: 3 });
      const { printed } = await captured(async () => {
        console.log(cache);
        console.log({ cache, versioned });
      });
      const health = module.get(CacheHealthIndicator);
      const forms = [printed, inspect(cache, { depth: Infinity }), inspect(cache, { depth: Infinity, showHidden: true }), inspect(health, { depth: 4 })];
      for (const form of forms) expect(form).not.toContain(PASSWORD);
      expect(JSON.stringify(cache)).not.toContain(PASSWORD);
      expect(printed).toContain("CacheManager { namespace: 'printed' }");
      expect(JSON.stringify({ versioned })).toBe('{"versioned":{"namespace":"printed-v","version":"3"}}');
    });

    const holders: Array<[string, () => { redis: CacheRedisOptions; own?: Redis }]> = [
      ['the password in the URL', () => ({ redis: { url: `redis://:${PASSWORD}@127.0.0.1:${db.server.port}` } })],
      ['the password in options', () => ({ redis: { host: '127.0.0.1', port: db.server.port, options: { password: PASSWORD } } })],
      [
        'a client of the user with the password',
        () => {
          const own = new Redis({ host: '127.0.0.1', port: db.server.port, password: PASSWORD, lazyConnect: true });
          return { redis: { client: own }, own };
        },
      ],
    ];

    // The ioredis client's public `options` hold the password, and the health indicator, the store, the l1's tracking
    // connections, the monitors and the connection provider hold a client; the explorers reach Nest's whole container.
    it.each(holders)(
      '%s: the health indicator and every provider of the module print without the password, at any depth',
      async (_, configure) => {
        const { redis, own } = configure();
        try {
          let cache: CacheManager;
          ({ module, cache } = await bootCache({
            namespace: 'held',
            redis,
            l1: { maxEntries: 100 },
            footprint: { interval: '60s' },
            redisInfo: { interval: '60s' },
          }));
          await cache.set('k', 1);
          expect(await cache.get('k')).toBe(1);
          const health = module.get(CacheHealthIndicator);
          expect((await health.report()).status).toBe('up');
          const providers = cacheProviders.map(
            (provider) => module!.get((provider as { provide: string | symbol }).provide, { strict: false }) as unknown,
          );
          const printed = { health, providers };
          const forms = [inspect(printed, { depth: Infinity }), inspect(printed, { depth: 8, showHidden: true }), json(printed)];
          for (const provider of providers) forms.push(inspect(provider), json(provider));
          expect(forms.map(printedBefore).filter((leak) => leak !== undefined)).toEqual([]);
          // What is printed still says what each holder is (and shows that the l1's channel and the monitors were reached).
          expect(inspect(health, { depth: 6 })).toMatch(/RedisStore \{ kind: 'redis', status: 'ready' \}/);
          expect(forms[0]).toMatch(/TrackingChannel \{ state: '\w+' \}/);
          expect(forms[0]).toContain("FleetJob { name: 'footprint'");
        } finally {
          await module?.close();
          module = undefined;
          own?.disconnect();
        }
      },
    );
  });
});

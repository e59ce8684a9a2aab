// Runs outside Jest, whose module loader cannot load @willsoto/nestjs-prometheus's module and controller on Node 20
// (CommonJS that require() the ESM-only NestJS 12; Node itself can): the built package in a real Nest HTTP app with the
// real PrometheusModule. Argument 2 is the Redis URL, 3 the mode:
//   custom-registry  PrometheusModule serves the app's own prom-client Registry (through its `controller` option) and
//                    CacheModule gets it as `metrics.registry`;
//   prefix           PrometheusModule.register({ global: true, customMetricPrefix: 'app' }) and the default registry.
// Prints one JSON line: what GET /metrics served, and what the default registry holds.
import 'reflect-metadata';
import { Controller, Get, Module, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register, Registry } from 'prom-client';
import { CacheManager, CacheModule } from '../../dist/index.js';

const [redisUrl, mode] = process.argv.slice(2);
const registry = new Registry();

/** The controller an app gives PrometheusModule to serve its own registry (decorators applied by hand: plain JS). */
class RegistryController extends PrometheusController {
  async index(response) {
    response.header('Content-Type', registry.contentType);
    return registry.metrics();
  }
}
Res({ passthrough: true })(RegistryController.prototype, 'index', 0);
Get()(RegistryController.prototype, 'index', Object.getOwnPropertyDescriptor(RegistryController.prototype, 'index'));
Controller()(RegistryController);

const custom = mode === 'custom-registry';
class AppModule {}
Module({
  imports: [
    PrometheusModule.register(
      custom
        ? { controller: RegistryController, defaultMetrics: { enabled: false } }
        : { global: true, customMetricPrefix: 'app', defaultMetrics: { enabled: false } },
    ),
    CacheModule.forRoot({ namespace: 'prom-app', redis: { url: redisUrl }, ...(custom ? { metrics: { registry } } : {}) }),
  ],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
try {
  const cache = app.get(CacheManager);
  await cache.set('k', 'v');
  await cache.get('k');
  await cache.get('absent');
  const served = await (await fetch(`${await app.getUrl()}/metrics`)).text();
  console.log(JSON.stringify({ served, defaultRegistry: await register.metrics() }));
} finally {
  await app.close();
}

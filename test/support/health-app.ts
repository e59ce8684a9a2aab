import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
// The sample app's own GET /health, as users copy it.
import { HealthController } from '../../sample-app/operations/health.controller.js';

/** A Nest HTTP app (Express) serving `GET /health` through Terminus with the cache's indicator, as a user writes it. */
export async function bootHealthApp(options: CacheModuleOptions): Promise<INestApplication> {
  const module = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false }), CacheModule.forRoot(options)],
    controllers: [HealthController],
  }).compile();
  const app = module.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1'); // one listening server for every request (app.close() stops it)
  return app;
}

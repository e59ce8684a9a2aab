import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';

/** Makes the platform's adapter; undefined for Express, Nest's default. */
export type MakeAdapter = () => FastifyAdapter | undefined;

/** The HTTP platforms the interceptor specs run on (`describe.each(HTTP_PLATFORMS)`). */
export const HTTP_PLATFORMS: Array<[platform: string, makeAdapter: MakeAdapter]> = [
  ['Express', () => undefined],
  ['Fastify', () => new FastifyAdapter()],
];

/** The compiled module as an initialised app on that platform, ready for supertest. */
export async function startHttpApp(module: TestingModule, makeAdapter: MakeAdapter): Promise<INestApplication> {
  const adapter = makeAdapter();
  const app = adapter ? module.createNestApplication(adapter) : module.createNestApplication();
  await app.init();
  if (adapter) await adapter.getInstance().ready();
  return app;
}

import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';

/**
 * Boots a real Nest testing module around CacheModule.forRoot and hands back its CacheManager.
 * `logger` sees what the module logs while it boots (Nest's testing logger drops warnings).
 * CACHE_TEST_TOKEN_MEMO=1 turns `tags.tokenMemo` on where a suite does not set `tags` (to run the tag suites, the
 * interleaving checker among them, unchanged with the memo).
 */
export async function bootCache(
  options: CacheModuleOptions,
  logger?: LoggerService,
): Promise<{ module: TestingModule; cache: CacheManager }> {
  if (process.env.CACHE_TEST_TOKEN_MEMO === '1' && options.tags === undefined && options.redis !== undefined)
    options = { ...options, tags: { tokenMemo: true } };
  const builder = Test.createTestingModule({ imports: [CacheModule.forRoot(options)] });
  if (logger) builder.setLogger(logger);
  const module = await builder.compile();
  await module.init();
  return { module, cache: module.get(CacheManager) };
}

/** A logger that keeps the warnings it is given. */
export function warningCollector(): LoggerService & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return {
    warnings,
    log: ignore,
    error: ignore,
    debug: ignore,
    verbose: ignore,
    warn: (message: unknown) => void warnings.push(String(message)),
  };
}

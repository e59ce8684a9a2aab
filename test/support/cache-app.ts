import 'reflect-metadata';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';

/** Boots a real Nest testing module around CacheModule.forRoot and hands back its CacheManager. */
export async function bootCache(options: CacheModuleOptions): Promise<{ module: TestingModule; cache: CacheManager }> {
  const module = await Test.createTestingModule({ imports: [CacheModule.forRoot(options)] }).compile();
  await module.init();
  return { module, cache: module.get(CacheManager) };
}

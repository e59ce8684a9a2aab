import { ConfigModule, ConfigService } from '@nestjs/config';
import { CacheModule, CacheModuleOptions } from '@datapunk/nestjs-cache';

/** The cache's options, read from the environment (REDIS_URL, CACHE_NAMESPACE) through ConfigService. */
export function cacheOptions(config: ConfigService): CacheModuleOptions {
  return {
    namespace: config.get<string>('CACHE_NAMESPACE', 'shop'),
    redis: { url: config.getOrThrow<string>('REDIS_URL') },
    policy: { ttl: '5m' },
  };
}

export const cacheModule = () => CacheModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: cacheOptions });

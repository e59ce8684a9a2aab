import { Injectable, NotFoundException } from '@nestjs/common';
import { Cacheable, CacheManager, CacheWarmer, type WarmEntry } from '@datapunk/nestjs-cache';
import { PricingDatabase, type Price } from './pricing-database.js';

const keyOf = (sku: string): string => `price:${sku}`;

/**
 * Refresh-ahead, stale-if-error, a warmer and a batch method, on one "prices" cache:
 * - a hot price is refreshed in the background shortly before its 10 s expire (refreshAhead), so readers never wait;
 * - with the database switched off, prices up to 10 minutes past their TTL are still served (staleIfError), and a slow
 *   database answer is not waited for past 300 ms (loaderTimeout); the database then gets one query per price per 10 s;
 * - every price is loaded at startup in the background (@CacheWarmer), and prices still fresh are left alone;
 * - GET /prices?skus= reads cached prices in one MGET and asks the database once for the rest (@Cacheable batch form).
 */
@Injectable()
export class PricesService {
  constructor(
    private readonly cache: CacheManager,
    private readonly database: PricingDatabase,
  ) {}

  async price(sku: string): Promise<Price> {
    const price = await this.cache.getOrSet(keyOf(sku), () => this.database.price(sku), {
      ttl: '10s',
      refreshAhead: { beta: 1 },
      staleIfError: '10m',
      loaderTimeout: 300,
    });
    if (price === null) throw new NotFoundException(`no price for ${sku}`);
    return price;
  }

  @Cacheable({ batch: true, key: (sku: string) => keyOf(sku), ttl: '10s', staleIfError: '10m' })
  async prices(skus: string[]): Promise<Array<Price | null>> {
    return this.database.prices(skus); // called with only the SKUs that were not cached
  }

  @CacheWarmer()
  allPrices(): WarmEntry[] {
    return this.database.skus.map((sku) => ({ key: keyOf(sku), ttl: '10s', loader: () => this.database.price(sku) }));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Cacheable, CacheManager } from '@datapunk/nestjs-cache';
import { Cache, CACHE_MANAGER } from '@datapunk/nestjs-cache/compat';

export interface Product {
  id: number;
  name: string;
  price: number;
}

const CATALOG: Product[] = [
  { id: 1, name: 'Keyboard', price: 49 },
  { id: 2, name: 'Mouse', price: 19 },
];

@Injectable()
export class ProductsService {
  /** Reads of the "database": what the cache saves. */
  loads = 0;

  constructor(
    private readonly cache: CacheManager,
    @Inject(CACHE_MANAGER) private readonly legacyCache: Cache,
  ) {}

  @Cacheable({ key: (id: number) => `product:${id}`, ttl: '1m' })
  async findOne(id: number): Promise<Product | null> {
    this.loads++;
    return CATALOG.find((product) => product.id === id) ?? null;
  }

  /** Read-through on CacheManager itself. */
  count(): Promise<number> {
    return this.cache.getOrSet(
      'product-count',
      () => {
        this.loads++;
        return CATALOG.length;
      },
      { ttl: '1m' },
    );
  }

  /** The @nestjs/cache-manager interface, as an app migrating from it keeps using it. */
  async markViewed(id: number): Promise<void> {
    await this.legacyCache.set('last-viewed', id, 60_000);
  }

  lastViewed(): Promise<number | undefined> {
    return this.legacyCache.get<number>('last-viewed');
  }
}

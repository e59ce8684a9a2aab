import { Injectable, NotFoundException } from '@nestjs/common';
import { CacheManager } from '@datapunk/nestjs-cache';
import { dbLatency } from '../db-latency.js';

export interface Product {
  id: number;
  name: string;
  price: number;
}

const keyOf = (id: number): string => `product:${id}`;

/**
 * The CacheManager used directly: getOrSet, mget/mset, invalidate, clear (metrics label `cache="direct"`).
 * The same patterns written as method decorators are in ../catalog/catalog.service.ts.
 */
@Injectable()
export class ProductsService {
  /** A fake database: every read waits for dbLatency(). */
  private readonly table = new Map<number, Product>([
    [1, { id: 1, name: 'Keyboard', price: 49 }],
    [2, { id: 2, name: 'Mouse', price: 19 }],
    [3, { id: 3, name: 'Monitor', price: 199 }],
  ]);

  constructor(private readonly cache: CacheManager) {}

  /** Read-through: the database is queried only on a cache miss. A missing product is cached as null. */
  async findOne(id: number): Promise<Product> {
    const product = await this.cache.getOrSet(keyOf(id), () => this.load(id));
    if (product === null) throw new NotFoundException(`product ${id} not found`);
    return product;
  }

  /** Many products with one cache round trip (mget); only the misses reach the database, then are cached. */
  async findMany(ids: number[]): Promise<Array<Product | null>> {
    const cached = await this.cache.mget<Product | null>(ids.map(keyOf));
    const missing = ids.filter((_, index) => cached[index] === undefined);
    const loaded = new Map(await Promise.all(missing.map(async (id) => [id, await this.load(id)] as const)));
    if (loaded.size > 0) await this.cache.mset([...loaded].map(([id, value]) => ({ key: keyOf(id), value })));
    return ids.map((id, index) => cached[index] ?? loaded.get(id) ?? null);
  }

  /** Writes to the database, then invalidates the cached copy so the next read loads the new one. */
  async update(id: number, changes: Partial<Omit<Product, 'id'>>): Promise<Product> {
    await dbLatency();
    const current = this.table.get(id);
    if (!current) throw new NotFoundException(`product ${id} not found`);
    const updated = { ...current, ...pick(changes), id };
    this.table.set(id, updated);
    await this.cache.invalidate(keyOf(id));
    return updated;
  }

  clearCache(): Promise<number> {
    return this.cache.clear();
  }

  private async load(id: number): Promise<Product | null> {
    await dbLatency();
    return this.table.get(id) ?? null;
  }
}

function pick(changes: Partial<Omit<Product, 'id'>>): Partial<Product> {
  const out: Partial<Product> = {};
  if (typeof changes?.name === 'string') out.name = changes.name;
  if (typeof changes?.price === 'number') out.price = changes.price;
  return out;
}

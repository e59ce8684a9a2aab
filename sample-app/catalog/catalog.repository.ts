import { Injectable } from '@nestjs/common';
import { dbLatency } from '../db-latency.js';

export interface CatalogItem {
  id: number;
  title: string;
  /** One per item: its category page lists it (GET /catalog/categories/<category>). */
  category: string;
  tags: string[];
  price: number;
  /** When this copy was read from the database: it stays the same for as long as the copy is served from the cache. */
  loadedAt: string;
}

export interface CatalogFilter {
  category?: string;
  tag?: string;
  maxPrice?: number;
}

export type CatalogChanges = Partial<Pick<CatalogItem, 'title' | 'price'>>;

type Row = Omit<CatalogItem, 'loadedAt'>;

/** A fake database table, no cache at all: every call waits for dbLatency(). */
@Injectable()
export class CatalogRepository {
  private readonly rows = new Map<number, Row>(
    [
      { id: 1, title: 'Mechanical keyboard', category: 'peripherals', tags: ['office', 'bestseller'], price: 89 },
      { id: 2, title: 'Wireless mouse', category: 'peripherals', tags: ['office'], price: 29 },
      { id: 3, title: '27" monitor', category: 'displays', tags: ['office', 'bestseller'], price: 249 },
      { id: 4, title: 'Noise-cancelling headphones', category: 'audio', tags: ['audio', 'bestseller'], price: 199 },
      { id: 5, title: 'Desk speaker', category: 'audio', tags: ['audio'], price: 59 },
    ].map((row) => [row.id, row]),
  );

  async find(id: number): Promise<CatalogItem | null> {
    await dbLatency();
    const row = this.rows.get(id);
    return row ? loaded(row) : null;
  }

  async search(filter: CatalogFilter): Promise<CatalogItem[]> {
    await dbLatency();
    return [...this.rows.values()]
      .filter((row) => filter.category === undefined || row.category === filter.category)
      .filter((row) => filter.tag === undefined || row.tags.includes(filter.tag))
      .filter((row) => filter.maxPrice === undefined || row.price <= filter.maxPrice)
      .map(loaded);
  }

  async update(id: number, changes: CatalogChanges): Promise<CatalogItem | null> {
    await dbLatency();
    const current = this.rows.get(id);
    if (!current) return null;
    const updated = { ...current, ...changes, id };
    this.rows.set(id, updated);
    return loaded(updated);
  }
}

function loaded(row: Row): CatalogItem {
  return { ...row, tags: [...row.tags], loadedAt: new Date().toISOString() };
}

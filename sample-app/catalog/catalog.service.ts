import { Injectable } from '@nestjs/common';
import { Cacheable, CacheInvalidate, CachePut } from '@datapunk/nestjs-cache';
import { CatalogRepository, type CatalogChanges, type CatalogFilter, type CatalogItem } from './catalog.repository.js';

/** One key per item, shared by the decorators that read, overwrite and remove it. Stored as `sample:catalog:item:<id>`. */
export const itemKey = (id: number): string => `catalog:item:${id}`;

/**
 * The method decorators: caching declared on a service, the code inside unaware of it.
 * Lookups are counted under `cache="CatalogService.<method>"` in cache_hits_total / cache_misses_total.
 */
@Injectable()
export class CatalogService {
  constructor(private readonly db: CatalogRepository) {}

  /** Read-through under itemKey(id) for 10 minutes; an unknown id is cached too, as null, for 30 seconds. */
  @Cacheable({ key: itemKey, ttl: '10m', nullTtl: '30s' })
  findOne(id: number): Promise<CatalogItem | null> {
    return this.db.find(id);
  }

  /**
   * No key given: `CatalogService.search:` + a hash of the arguments, so equal filters share an entry
   * whatever the order of their properties. A short TTL, since no update can name these keys.
   */
  @Cacheable({ ttl: '1m' })
  search(filter: CatalogFilter): Promise<CatalogItem[]> {
    return this.db.search(filter);
  }

  /** Always reloads, then overwrites itemKey(id): the next findOne is a hit that serves the fresh copy. */
  @CachePut({ key: itemKey, ttl: '10m', unless: (item: CatalogItem | null) => item === null })
  refresh(id: number): Promise<CatalogItem | null> {
    return this.db.find(id);
  }

  /** Writes to the database; once that succeeded, removes itemKey(id) so the next findOne loads the new row. */
  @CacheInvalidate({ keys: (id: number) => [itemKey(id)] })
  update(id: number, changes: CatalogChanges): Promise<CatalogItem | null> {
    return this.db.update(id, changes);
  }
}

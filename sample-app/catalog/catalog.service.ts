import { Injectable } from '@nestjs/common';
import { Cacheable, CacheInvalidate, CachePut } from '@datapunk/nestjs-cache';
import { CatalogRepository, type CatalogChanges, type CatalogFilter, type CatalogItem } from './catalog.repository.js';

/** One key per item, shared by the decorators that read and overwrite it. Stored as `sample:catalog:item:<id>`. */
export const itemKey = (id: number): string => `catalog:item:${id}`;

/** The cache tag of every cached page that shows product `id`. */
export const productTag = (id: number): string => `product:${id}`;

/**
 * The cache tag of every cached page that shows category `name`. Encoded: a name from a URL may hold spaces or
 * braces, which tags may not, and encodeURIComponent's output never does.
 */
export const categoryTag = (name: string): string => `category:${encodeURIComponent(name)}`;

/**
 * An item page's tags: its product, and its category (the page names it), known once the row is read. A missing
 * item (cached as null) has only the product's.
 */
const itemTags = (item: CatalogItem | null, id: number): string[] =>
  item ? [productTag(id), categoryTag(item.category)] : [productTag(id)];

/**
 * The method decorators: caching declared on a service, the code inside unaware of it.
 * Lookups are counted under `cache="CatalogService.<method>"` in cache_hits_total / cache_misses_total.
 */
@Injectable()
export class CatalogService {
  constructor(private readonly db: CatalogRepository) {}

  /**
   * Read-through under itemKey(id) for 10 minutes, tagged with the product and its category; an unknown id is
   * cached too, as null, for 30 seconds.
   */
  @Cacheable({ key: itemKey, ttl: '10m', nullTtl: '30s', tags: { fromResult: itemTags } })
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

  /** Always reloads, then overwrites itemKey(id) with findOne's tags: the next findOne is a hit that serves the fresh copy. */
  @CachePut({ key: itemKey, ttl: '10m', tags: { fromResult: itemTags }, unless: (item: CatalogItem | null) => item === null })
  refresh(id: number): Promise<CatalogItem | null> {
    return this.db.find(id);
  }

  /**
   * Writes to the database; once that succeeded, one invalidateTags call drops every cached page of the product
   * and of its category: its item page (findOne) and its category page (the interceptor's, @CacheTags). The item
   * pages of the category's other products carry its tag too, so they load again as well.
   */
  @CacheInvalidate({
    tags: (id: number) => [productTag(id)],
    resultTags: (item: CatalogItem | null) => (item ? [categoryTag(item.category)] : []),
  })
  update(id: number, changes: CatalogChanges): Promise<CatalogItem | null> {
    return this.db.update(id, changes);
  }
}

import {
  Controller,
  Get,
  Headers,
  NotFoundException,
  Param,
  UnauthorizedException,
  UseInterceptors,
  type ExecutionContext,
} from '@nestjs/common';
import { CacheInterceptor, CacheTags, CacheTTL, CacheVary } from '@datapunk/nestjs-cache';
import { CatalogRepository, type CatalogItem } from './catalog.repository.js';
import { categoryTag } from './catalog.service.js';
import { recommend } from './recommend.js';

interface Page {
  items: CatalogItem[];
  /** When the handler ran: the same on every response served from the cache. */
  generatedAt: string;
}

/**
 * Whole GET responses cached by the CacheInterceptor, keyed by URL, with an `X-Cache: MISS|HIT` header.
 * Lookups are counted under `cache="StorefrontController.<handler>"`.
 */
@Controller('catalog')
@UseInterceptors(CacheInterceptor)
export class StorefrontController {
  constructor(private readonly db: CatalogRepository) {}

  /**
   * GET /catalog/featured: the same page for everyone, cached for 30 seconds. A request that carries
   * Authorization or Cookie is neither served from nor stored in the cache (no X-Cache header).
   */
  @Get('featured')
  @CacheTTL('30s')
  async featured(): Promise<Page> {
    return { items: await this.db.search({ tag: 'bestseller' }), generatedAt: new Date().toISOString() };
  }

  /**
   * GET /catalog/categories/peripherals: a category's page, cached for 10 minutes and tagged with the category
   * (the tag is computed from the request before the handler runs). PUT /catalog/items/<id> invalidates that tag,
   * so a price change never waits for the TTL.
   */
  @Get('categories/:category')
  @CacheTags((context: ExecutionContext) => [
    categoryTag(context.switchToHttp().getRequest<{ params: { category: string } }>().params.category),
  ])
  @CacheTTL('10m')
  async category(@Param('category') category: string): Promise<Page> {
    const items = await this.db.search({ category });
    if (items.length === 0) throw new NotFoundException(`no category "${category}"`); // errors are never cached
    return { items, generatedAt: new Date().toISOString() };
  }

  /**
   * GET /catalog/me/recommendations with `Authorization: Bearer <user>`: a page per caller. @CacheVary
   * opts this route into caching credentialed requests, with one entry per Authorization value
   * (hashed in the key, never stored in plain text). A real app checks the token in a guard, which runs
   * before interceptors, so an unauthenticated request never reaches the cache.
   */
  @Get('me/recommendations')
  @CacheVary('authorization')
  @CacheTTL('1m')
  async recommendations(@Headers('authorization') authorization?: string): Promise<Page & { user: string }> {
    const user = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!user) throw new UnauthorizedException('send "Authorization: Bearer <any name>"'); // errors are never cached
    return { user, items: recommend(user, await this.db.search({})), generatedAt: new Date().toISOString() };
  }
}

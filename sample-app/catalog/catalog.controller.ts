import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseFloatPipe,
  ParseIntPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import type { CatalogChanges, CatalogItem } from './catalog.repository.js';
import { CatalogService } from './catalog.service.js';

/** Plain routes onto CatalogService: the caching happens in the service's decorated methods, not here. */
@Controller('catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  /** GET /catalog/items/1: a miss, then hits for 10 minutes. GET /catalog/items/99: 404, remembered for 30 seconds. */
  @Get('items/:id')
  async findOne(@Param('id', ParseIntPipe) id: number): Promise<CatalogItem> {
    return found(await this.catalog.findOne(id), id);
  }

  /** GET /catalog/search?tag=office&maxPrice=100 (the same entry as ?maxPrice=100&tag=office). */
  @Get('search')
  search(@Query('tag') tag?: string, @Query('maxPrice', new ParseFloatPipe({ optional: true })) maxPrice?: number): Promise<CatalogItem[]> {
    return this.catalog.search({ tag, maxPrice });
  }

  /** PUT /catalog/items/1 {"price": 79}: updates the row and invalidates its cached pages: the item's and its category's. */
  @Put('items/:id')
  async update(@Param('id', ParseIntPipe) id: number, @Body() body: unknown): Promise<CatalogItem> {
    return found(await this.catalog.update(id, changesOf(body)), id);
  }

  /** POST /catalog/items/1/refresh: reloads the row and overwrites its cached copy. */
  @Post('items/:id/refresh')
  @HttpCode(200)
  async refresh(@Param('id', ParseIntPipe) id: number): Promise<CatalogItem> {
    return found(await this.catalog.refresh(id), id);
  }
}

function found(item: CatalogItem | null, id: number): CatalogItem {
  if (item === null) throw new NotFoundException(`catalog item ${id} not found`);
  return item;
}

function changesOf(body: unknown): CatalogChanges {
  const { title, price } = (body ?? {}) as Record<string, unknown>;
  if ((title !== undefined && typeof title !== 'string') || (price !== undefined && typeof price !== 'number')) {
    throw new BadRequestException('expected {"title"?: string, "price"?: number}');
  }
  return { ...(title === undefined ? {} : { title }), ...(price === undefined ? {} : { price }) };
}

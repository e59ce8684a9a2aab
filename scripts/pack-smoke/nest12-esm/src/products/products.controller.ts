import { Controller, Get, NotFoundException, Param, ParseIntPipe, UseInterceptors } from '@nestjs/common';
import { CacheInterceptor, CacheTTL } from '@datapunk/nestjs-cache';
import { ProductsService, type Product } from './products.service.js';

@Controller('products')
@UseInterceptors(CacheInterceptor)
export class ProductsController {
  /** Handler runs: a response served from the cache does not run it. */
  served = 0;

  constructor(private readonly products: ProductsService) {}

  @Get(':id')
  @CacheTTL('30s')
  async findOne(@Param('id', ParseIntPipe) id: number): Promise<Product> {
    this.served++;
    const product = await this.products.findOne(id);
    if (!product) throw new NotFoundException(`no product ${id}`);
    await this.products.markViewed(id);
    return product;
  }
}

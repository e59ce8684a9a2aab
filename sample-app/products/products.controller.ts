import { BadRequestException, Body, Controller, Delete, Get, Param, ParseIntPipe, Put, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../operations/admin-token.guard.js';
import { ProductsService, type Product } from './products.service.js';

@Controller()
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  /** GET /products?ids=1,2,3 */
  @Get('products')
  findMany(@Query('ids') ids = ''): Promise<Array<Product | null>> {
    const list = ids.split(',').filter(Boolean).map(Number);
    if (list.length === 0 || !list.every(Number.isSafeInteger)) throw new BadRequestException('ids must be a list like 1,2,3');
    return this.products.findMany(list);
  }

  @Get('products/:id')
  findOne(@Param('id', ParseIntPipe) id: number): Promise<Product> {
    return this.products.findOne(id);
  }

  @Put('products/:id')
  update(@Param('id', ParseIntPipe) id: number, @Body() changes: Partial<Omit<Product, 'id'>>): Promise<Product> {
    return this.products.update(id, changes);
  }

  /** DELETE /cache: removes every key of the "sample" namespace. An operator's action: behind the X-Admin-Token. */
  @Delete('cache')
  @UseGuards(AdminTokenGuard)
  async clear(): Promise<{ removed: number }> {
    return { removed: await this.products.clearCache() };
  }
}

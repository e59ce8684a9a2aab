import { BadRequestException, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../operations/admin-token.guard.js';
import { PricingDatabase, type Price } from './pricing-database.js';
import { PricesService } from './prices.service.js';

@Controller('prices')
export class PricesController {
  constructor(
    private readonly prices: PricesService,
    private readonly database: PricingDatabase,
  ) {}

  /** GET /prices?skus=sku-1,sku-2: the batch form of @Cacheable. */
  @Get()
  many(@Query('skus') skus = ''): Promise<Array<Price | null>> {
    const list = skus.split(',').filter(Boolean);
    if (list.length === 0) throw new BadRequestException('skus must be a list like sku-1,sku-2');
    return this.prices.prices(list);
  }

  /** GET /prices/database: is it up, and how many queries it got. */
  @Get('database')
  status(): { up: boolean; queries: number } {
    return { up: this.database.isUp, queries: this.database.queries };
  }

  /**
   * POST /prices/database/off (or /on): switch the pricing database off to see stale prices served. It takes a
   * dependency down for everyone: an operator's action, behind the X-Admin-Token.
   */
  @Post('database/:state')
  @HttpCode(200)
  @UseGuards(AdminTokenGuard)
  switch(@Param('state') state: string): { up: boolean; queries: number } {
    if (state !== 'on' && state !== 'off') throw new BadRequestException('state must be "on" or "off"');
    this.database.switch(state === 'on');
    return this.status();
  }

  @Get(':sku')
  one(@Param('sku') sku: string): Promise<Price> {
    return this.prices.price(sku);
  }
}

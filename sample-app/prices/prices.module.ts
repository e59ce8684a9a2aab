import { Module } from '@nestjs/common';
import { PricesController } from './prices.controller.js';
import { PricesService } from './prices.service.js';
import { PricingDatabase } from './pricing-database.js';

@Module({ controllers: [PricesController], providers: [PricesService, PricingDatabase] })
export class PricesModule {}

import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller.js';
import { CatalogRepository } from './catalog.repository.js';
import { CatalogService } from './catalog.service.js';
import { StorefrontController } from './storefront.controller.js';

@Module({
  controllers: [CatalogController, StorefrontController],
  providers: [CatalogRepository, CatalogService],
})
export class CatalogModule {}

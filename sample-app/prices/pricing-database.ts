import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { dbLatency } from '../db-latency.js';

export interface Price {
  sku: string;
  cents: number;
  /** When the database answered: shows how old a served value is. */
  loadedAt: string;
}

/** A fake pricing database that can be switched off (POST /prices/database/off), to watch staleIfError at work. */
@Injectable()
export class PricingDatabase {
  readonly skus = Array.from({ length: 200 }, (_, i) => `sku-${i + 1}`);
  private up = true;
  /** Queries answered or refused since start (what the cache spares the database). */
  queries = 0;

  get isUp(): boolean {
    return this.up;
  }

  switch(up: boolean): void {
    this.up = up;
  }

  async price(sku: string): Promise<Price | null> {
    return (await this.prices([sku]))[0];
  }

  /** One query for many SKUs, answers in their order (null: no such SKU). */
  async prices(skus: string[]): Promise<Array<Price | null>> {
    this.queries++;
    await dbLatency();
    if (!this.up) throw new ServiceUnavailableException('the pricing database is down');
    const loadedAt = new Date().toISOString();
    return skus.map((sku) => (this.skus.includes(sku) ? { sku, cents: 100 + (Number(sku.slice(4)) % 50) * 10, loadedAt } : null));
  }
}

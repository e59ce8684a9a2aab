import { Injectable } from '@nestjs/common';
import { CacheManager } from '@datapunk/nestjs-cache';
import { dbLatency } from '../db-latency.js';

export interface DailyReport {
  generatedAt: Date;
  /** Revenue by region: a Map, which strict JSON refuses and msgpack keeps. */
  totalsByRegion: Map<string, number>;
  orders: Array<{ id: number; region: string; total: number; placedAt: Date; lines: Array<{ sku: string; quantity: number }> }>;
}

const REGIONS = ['north', 'south', 'east', 'west'];

/**
 * Serializers and compression per namespace: the "sample-reports" namespace is configured in app.module.ts with
 * msgpack (keeps the Dates and the Map) and compression (the report, ~18 KB of msgpack, is stored in ~6 KB).
 */
@Injectable()
export class ReportsService {
  private readonly reports: CacheManager;

  constructor(cache: CacheManager) {
    this.reports = cache.withNamespace('sample-reports');
  }

  /** The cached report and whether this call loaded it. */
  async daily(): Promise<{ report: DailyReport; loaded: boolean }> {
    let loaded = false;
    const report = await this.reports.getOrSet('daily', async () => {
      loaded = true;
      return this.build();
    });
    return { report, loaded };
  }

  private async build(): Promise<DailyReport> {
    await dbLatency();
    const orders = Array.from({ length: 400 }, (_, i) => ({
      id: 10_000 + i,
      region: REGIONS[i % REGIONS.length],
      total: Math.round(((i * 7919) % 50_000) / 10) / 10,
      placedAt: new Date(Date.UTC(2026, 10, 25, 8, 0, i * 7)),
      lines: Array.from({ length: 1 + (i % 3) }, (_, line) => ({ sku: `SKU-${(i * 31 + line) % 500}`, quantity: 1 + ((i + line) % 4) })),
    }));
    const totalsByRegion = new Map<string, number>();
    for (const order of orders)
      totalsByRegion.set(order.region, Math.round(((totalsByRegion.get(order.region) ?? 0) + order.total) * 100) / 100);
    return { generatedAt: new Date(), totalsByRegion, orders };
  }
}

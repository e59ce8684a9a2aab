import { Controller, Get } from '@nestjs/common';
import { ReportsService } from './reports.service.js';

@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** GET /reports/daily: the report came back from the cache with its types (Date, Map) intact. */
  @Get('daily')
  async daily(): Promise<Record<string, unknown>> {
    const { report, loaded } = await this.reports.daily();
    return {
      loaded,
      generatedAt: report.generatedAt.toISOString(),
      typesKept: { generatedAt: report.generatedAt instanceof Date, totalsByRegion: report.totalsByRegion instanceof Map },
      totalsByRegion: Object.fromEntries(report.totalsByRegion),
      orders: report.orders.length,
    };
  }
}

import { Body, Controller, Get, Put } from '@nestjs/common';
import { CacheManager } from '@datapunk/nestjs-cache';

/**
 * The in-process tier across instances: `sample-hot` has `l1` on (app.module.ts), so a GET answers from memory, and a
 * PUT on one instance reaches every other instance's memory through Redis within milliseconds (docs/guide/l1.md: run two).
 */
@Controller('hot')
export class HotController {
  private readonly cache: CacheManager;

  constructor(cache: CacheManager) {
    this.cache = cache.withNamespace('sample-hot');
  }

  /** GET /hot/banner: the banner text, from this instance's memory after the first read. */
  @Get('banner')
  async banner(): Promise<{ text: string; servedBy: number }> {
    const text = await this.cache.getOrSet('banner', () => 'Welcome!', { ttl: '1h' });
    return { text, servedBy: process.pid };
  }

  /** PUT /hot/banner {"text": "..."}: stored in Redis; every instance drops its copy when Redis says the key changed. */
  @Put('banner')
  async setBanner(@Body() body: { text?: unknown }): Promise<{ text: string }> {
    const text = typeof body?.text === 'string' ? body.text.slice(0, 200) : 'Welcome!';
    await this.cache.set('banner', text, { ttl: '1h' });
    return { text };
  }
}

import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { PhaseResult } from './measure.js';

export interface Row extends PhaseResult {
  workload: string;
  stack: string;
  /** ops/s ÷ the best raw ioredis ops/s of the same workload. */
  ratio: number;
}

export interface Environment {
  redisVersion: string;
  versions: Record<string, string>;
  method: string;
  /** Other work on the machine skews everything: reported so a noisy run can be recognised. */
  loadAtStart: number;
}

/** The results as Markdown: environment first, then one table row per workload and stack. */
export async function markdown(rows: Row[], env: Environment, file: URL): Promise<string> {
  const cpu = cpus();
  const lines = [
    '# Benchmark: @datapunk/nestjs-cache vs raw ioredis vs cache-manager',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version} (${process.platform} ${process.arch})`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}; load average (1 min) at start: ${env.loadAtStart.toFixed(2)}`,
    `- Redis: ${env.redisVersion} (own redis-server on 127.0.0.1, no persistence)`,
    `- Packages: ${Object.entries(env.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    `- Method: ${env.method}`,
    '- Ratio = ops/s ÷ the best raw ioredis row (with or without autoPipelining) of the same workload.',
    '',
    '| workload | stack | ops/s | p50 ms | p99 ms | ratio to raw ioredis |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.workload} | ${row.stack} | ${Math.round(row.opsPerSec).toLocaleString('en-US')} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${Number.isNaN(row.ratio) ? 'n/a' : `${row.ratio.toFixed(2)}x`} |`,
    ),
    '',
  ];
  // Aligned by the repository's Prettier settings, so the committed results.md passes `prettier --check`.
  const options = await resolveConfig(fileURLToPath(file));
  return format(lines.join('\n'), { ...options, parser: 'markdown' });
}

import type { FactoryProvider } from '@nestjs/common';
import { packageRequire } from '../../peers/package-require.cjs';

/** The options @willsoto/nestjs-prometheus's make*Provider take (the parts this package uses). */
export interface LibraryMetricOptions {
  name: string;
  help: string;
  labelNames: string[];
  buckets?: number[];
  collect?: () => void;
}

type MakeProvider = (options: LibraryMetricOptions) => FactoryProvider;

/** @willsoto/nestjs-prometheus's metric provider factories. */
export interface PrometheusLibrary {
  makeCounterProvider: MakeProvider;
  makeGaugeProvider: MakeProvider;
  makeHistogramProvider: MakeProvider;
}

/**
 * Where the factories are. Its `dist/metrics` needs only prom-client, so it loads wherever the package does: its main
 * entry also loads its module and controller, CommonJS that require() the ESM-only NestJS 12, which Node 20.19+ allows
 * but Jest's module loader does not before Node 24.9. The main entry is the fallback should that folder ever move.
 */
const ENTRY_POINTS = ['@willsoto/nestjs-prometheus/dist/metrics/index.js', '@willsoto/nestjs-prometheus'];

/**
 * @willsoto/nestjs-prometheus's provider factories when the app has installed it (it is an optional peer), else
 * undefined. Loaded with this package's `require` (synchronously: a CommonJS app loads this package with require(esm),
 * which refuses top-level await), from the app's node_modules as any import would be.
 */
export function loadPrometheusLibrary(require: NodeJS.Require = packageRequire): PrometheusLibrary | undefined {
  for (const entry of ENTRY_POINTS) {
    try {
      const library = require(entry) as Partial<PrometheusLibrary>;
      if (
        typeof library.makeCounterProvider === 'function' &&
        typeof library.makeGaugeProvider === 'function' &&
        typeof library.makeHistogramProvider === 'function'
      ) {
        return library as PrometheusLibrary;
      }
    } catch {
      // not installed, or not loadable here: the next entry, then this package's own providers (same tokens, same registry)
    }
  }
  return undefined;
}

import { parseTtl } from '../kernel/ttl.js';
import type { WarmingOptions, WarmingSettings } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, optionalBoolean, positiveInteger } from './option-checks.js';

/** `warming`, validated at boot. */
export function resolveWarming(given: WarmingOptions | undefined): WarmingSettings {
  const warming = conceptObject('warming', given, '{ blockBoot?, concurrency?, singleInstance?, skipIfFresh?, lockTtl? }');
  const defaults = CACHE_DEFAULTS.warming;
  return {
    blockBoot: optionalBoolean('warming.blockBoot', warming.blockBoot) ?? defaults.blockBoot,
    concurrency: positiveInteger('warming.concurrency', warming.concurrency ?? defaults.concurrency),
    singleInstance: optionalBoolean('warming.singleInstance', warming.singleInstance) ?? defaults.singleInstance,
    skipIfFresh: optionalBoolean('warming.skipIfFresh', warming.skipIfFresh) ?? defaults.skipIfFresh,
    lockTtlMs: parseTtl(warming.lockTtl ?? defaults.lockTtl, 'configure', undefined, 'option "warming.lockTtl"'),
  };
}

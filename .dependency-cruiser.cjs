/**
 * The layer order of lib/ (docs/design/architecture.md), bottom first. A file may import its own layer's folder
 * and any layer below it; an import up a layer, a circle between files or a circle between folders fails `.ci/run`
 * (`npm run deps`). Folders that share a layer (the integrations) may not import each other.
 */
const LAYERS = [
  ['kernel', ['^lib/kernel/', '^lib/peers/']], // CacheError + reason, redaction, ttl, version, key layout (every reserved segment), logger, timers
  ['serialization', ['^lib/serialization/']],
  ['entry', ['^lib/entry/']], // envelope, pure codec, lease bytes, EntryPolicy arithmetic
  ['stores', ['^lib/stores/']], // KeyValueStore/LockStore/TagTokenStore/StoreLifecycle, memory, redis/
  ['resilience', ['^lib/resilience/']], // breaker, resilient store, the one classifier
  ['telemetry', ['^lib/telemetry/']], // the port: CacheObserver, event types, stats, failure reporter, pending counts
  ['l1', ['^lib/l1/']],
  ['invalidation', ['^lib/invalidation/']], // invalidator, pending queue, tags/
  ['read-through', ['^lib/read-through/']], // single flight, leases, stampede lock, stored/servable entries, EntryWriter, warm engine
  ['options', ['^lib/options/']], // public option types, DEFAULTS, one resolver per concept
  ['namespace', ['^lib/namespace/']], // NamespaceRegistry, NamespaceEngine, direct operations
  ['core', ['^lib/core/']], // CacheManager, the thin facade
  ['observability', ['^lib/observability/']], // Prometheus, footprint, redis-info, fleet jobs, health
  ['integrations', ['^lib/(method-cache|http|warming|compat|admin|testing)/']],
  ['module', ['^lib/module/']], // CacheModule, composition root, createCacheBackend, register()
  ['entries', ['^lib/[^/]+[.]ts$']], // index.ts and the subpath entry points
];
const any = (paths) => paths.join('|');
const upward = LAYERS.slice(0, -1).map(([name, paths], i) => ({
  name: `layer-${name}`,
  comment: `${name} imports only its own layer and the layers below it`,
  severity: 'error',
  from: { path: any(paths) },
  to: { path: any(LAYERS.slice(i + 1).flatMap(([, higher]) => higher)) },
}));
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-sibling-integrations',
      comment: 'method-cache, http, warming, compat and admin share a layer and stay independent',
      severity: 'error',
      from: { path: '^lib/(method-cache|http|warming|compat|admin|testing)/' },
      to: { path: '^lib/(method-cache|http|warming|compat|admin|testing)/', pathNot: '^lib/$1/' },
    },
    { name: 'no-circular', comment: 'no circle between files', severity: 'error', from: { path: '^lib/' }, to: { circular: true } },
    {
      name: 'no-folder-circular',
      comment: 'no circle between folders',
      severity: 'error',
      scope: 'folder',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    { name: 'no-unresolvable', severity: 'error', from: { path: '^lib/' }, to: { couldNotResolve: true } },
  ],
  options: {
    includeOnly: '^lib/',
    tsPreCompilationDeps: true, // type-only imports count: a type that points up is still an arrow up
    tsConfig: { fileName: 'tsconfig.build.json' },
    doNotFollow: { path: 'node_modules' },
  },
};

/**
 * This package's own `require`, for the optional peers it loads on demand (lz4-napi, @willsoto/nestjs-prometheus).
 * A `.cts` file is CommonJS in both builds, so `require` here needs no `import.meta.url`, which the CommonJS build
 * (the one Jest's CommonJS loader reads) cannot contain; it resolves from this package's folder, as any import would.
 */
export const packageRequire: NodeJS.Require = require;

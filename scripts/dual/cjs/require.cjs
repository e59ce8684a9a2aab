'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point, loaded by require() */
/*
 * The `require` entry of @datapunk/nestjs-cache (package.json "exports" → "." → "require").
 *
 * One copy of the package per process: where require(esm) works this hands back the ESM build itself, the very module
 * instances `import` gets, so Nest's DI tokens (the CacheManager class, CACHE_MANAGER, ...) are the same whichever way
 * an app or a library loads them. Where it does not (Jest's CommonJS loader on older Node reads every file as
 * CommonJS), it hands back the CommonJS build next to this file, which has no import.meta and no ESM syntax. The
 * subpath entries (compat.require.cjs, ...) make the same choice. See "Module formats" in docs/guide/getting-started.md.
 */
module.exports = require('./require-esm-works.cjs') ? require('../index.js') : require('./index.js');

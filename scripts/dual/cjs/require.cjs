'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point, loaded by require() */
/*
 * The `require` entry of @datapunk/nestjs-cache (package.json "exports" → "require").
 *
 * One copy of the package per process: where require(esm) works (Node >= 20.19; Jest only on Node >= 24.9 with
 * --experimental-vm-modules) this hands back the ESM build itself, the very module instances `import` gets, so Nest's
 * DI tokens (the CacheManager class, CACHE_MANAGER, ...) are the same whichever way an app or a library loads them.
 * Where it does not (Jest's CommonJS loader on older Node reads every file as CommonJS), it hands back the CommonJS
 * build next to this file, which has no import.meta and no ESM syntax. See "Module formats" in the README.
 */
function requireEsmWorks() {
  try {
    // A dependency-free ES module, so a failure here can only mean "no require(esm)", never an error of the package.
    return require('../esm-probe.js').requireEsmWorks === true;
  } catch {
    return false;
  }
}

module.exports = requireEsmWorks() ? require('../index.js') : require('./index.js');

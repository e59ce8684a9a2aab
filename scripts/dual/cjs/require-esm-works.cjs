'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS module, loaded by require() */
/*
 * Whether require(esm) works in the loader at hand (Node >= 20.19; Jest only on Node >= 24.9 with
 * --experimental-vm-modules), learned once per process and shared by every `require` entry (require.cjs and the
 * <subpath>.require.cjs files), so all of them pick the same build: one copy of the package per process.
 */
function requireEsmWorks() {
  try {
    // A dependency-free ES module, so a failure here can only mean "no require(esm)", never an error of the package.
    return require('../esm-probe.js').requireEsmWorks === true;
  } catch {
    return false;
  }
}

module.exports = requireEsmWorks();

'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point, loaded by require() */
// The `require` entry of @datapunk/nestjs-cache/health: the same choice of build as require.cjs (see there).
module.exports = require('./require-esm-works.cjs') ? require('../health.js') : require('./health.js');

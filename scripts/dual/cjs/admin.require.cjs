'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point, loaded by require() */
// The `require` entry of @datapunk/nestjs-cache/admin: the same choice of build as require.cjs (see there).
module.exports = require('./require-esm-works.cjs') ? require('../admin.js') : require('./admin.js');

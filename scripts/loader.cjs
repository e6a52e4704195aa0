#!/usr/bin/env node
'use strict';
// Start-up shim for __NAME__: runs the bundle through V8's code cache made at build
// time, so the code agents call hundreds of times an hour is not recompiled each run.
// A cache V8 rejects (another Node version) only costs the compile it would have saved.
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const { createRequire, wrap } = require('node:module');
const { join } = require('node:path');

const file = join(__dirname, '__NAME__.bundle.cjs');
const cacheFile = join(__dirname, '__NAME__.v8cache');
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
if (process.env.AGOR_BUILD_CODE_CACHE === '1') {
  process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
}
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, __dirname);

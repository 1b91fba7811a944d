#!/usr/bin/env node
// Compiles proto/herald/v1/*.proto ahead of time into static protobufjs code
// (services/core/src/generated/herald.js + .d.ts). Skips the work when nothing changed.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const protoDir = path.join(root, 'proto/herald/v1');
const outDir = path.join(root, 'services/core/src/generated');
const outJs = path.join(outDir, 'herald.js');
const outDts = path.join(outDir, 'herald.d.ts');
const bin = (name) => path.join(root, 'node_modules/.bin', name);

const protos = fs
  .readdirSync(protoDir)
  .filter((f) => f.endsWith('.proto'))
  .sort()
  .map((f) => path.join(protoDir, f));
const newestInput = Math.max(...protos.map((f) => fs.statSync(f).mtimeMs), fs.statSync(__filename).mtimeMs);
const upToDate = fs.existsSync(outJs) && fs.existsSync(outDts) && fs.statSync(outDts).mtimeMs >= newestInput;
if (upToDate && !process.argv.includes('--force')) process.exit(0);

fs.mkdirSync(outDir, { recursive: true });
execFileSync(
  bin('pbjs'),
  ['-t', 'static-module', '-w', 'commonjs', '--force-number', '--no-verify', '--no-delimited', '--no-beautify', '--no-convert', '--no-typeurl', '-o', outJs, ...protos],
  { stdio: 'inherit' },
);
execFileSync(bin('pbts'), ['-o', outDts, outJs], { stdio: 'inherit' });
console.log(`proto: generated ${path.relative(root, outJs)} from ${protos.length} files`);

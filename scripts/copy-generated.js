#!/usr/bin/env node
// tsc does not emit the generated protobufjs JavaScript; copy it next to the compiled code.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const from = path.join(root, 'services/core/src/generated');
const to = path.join(root, 'dist/services/core/src/generated');
fs.mkdirSync(to, { recursive: true });
for (const file of fs.readdirSync(from)) fs.copyFileSync(path.join(from, file), path.join(to, file));

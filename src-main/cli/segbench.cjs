#!/usr/bin/env node
// The `segbench` command. The TypeScript sources are bundled into out/ by `npm install`
// (the prepare script) or `npm run build`; this launcher only finds that bundle.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const cli = join(root, 'out', 'main', 'cli.cjs');
if (!existsSync(cli)) {
  console.error(`SegBench is not built yet. In ${root} run: npm install   (or: npm run build)`);
  process.exit(1);
}
require(cli);

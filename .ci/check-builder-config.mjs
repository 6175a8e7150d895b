// electron-builder cannot package here (the Electron download is refused), but its configuration
// can still be checked against electron-builder's own schema, so a broken electron-builder.yml
// fails CI rather than a user's `npm run dist`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { load } = require('js-yaml');
const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
const { DebugLogger } = require('builder-util/out/DebugLogger');

const config = load(readFileSync('electron-builder.yml', 'utf8'));
await validateConfiguration(config, new DebugLogger(false));
// Native addons that must stay outside the asar archive to load.
for (const needed of [
  '**/*.node',
  'node_modules/webgpu/dist/**',
  'node_modules/better-sqlite3/**',
  'node_modules/sharp/**',
  'node_modules/onnxruntime-node/bin/**',
]) {
  if (!config.asarUnpack.includes(needed)) throw new Error(`electron-builder.yml: asarUnpack must include ${needed}`);
}
console.log("electron-builder.yml: valid against electron-builder's schema");

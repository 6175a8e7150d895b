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
console.log('electron-builder.yml: valid against electron-builder\'s schema');

import { join } from 'node:path';

/**
 * Locations inside the built app. The bundles live in out/main, out/engine, out/app and
 * out/renderer; `__dirname` is the folder of the running bundle.
 */
export const packageRoot = join(__dirname, '..', '..');
export const engineEntry = join(packageRoot, 'out', 'engine', 'engine.cjs');
export const rendererDir = join(packageRoot, 'out', 'renderer');

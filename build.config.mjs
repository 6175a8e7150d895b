// Builds SegBench into out/: esbuild bundles the node-side entry points (CLI, engine, Electron
// main and preload), Vite builds the React renderer. `npm install` runs this as `prepare`.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rmSync } from 'node:fs';

const started = Date.now();
rmSync('out', { recursive: true, force: true });

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Dependencies stay in node_modules: native addons (better-sqlite3, sharp, tfjs-node) cannot be bundled.
  packages: 'external',
  logLevel: 'warning',
};

await Promise.all([
  esbuild({ ...node, entryPoints: { cli: 'src-main/cli/main.ts' }, outdir: 'out/main', outExtension: { '.js': '.cjs' } }),
  // The engine and its compute workers (worker threads that load compute-worker-thread.cjs next to engine.cjs).
  esbuild({
    ...node,
    entryPoints: { engine: 'src-main/engine/engine.ts', 'compute-worker-thread': 'src-main/engine/workers/compute-worker-thread.ts' },
    outdir: 'out/engine',
    outExtension: { '.js': '.cjs' },
  }),
  esbuild({
    ...node,
    entryPoints: { main: 'src-main/app/main.ts' },
    outdir: 'out/app',
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  }),
  // A sandboxed preload may require only 'electron'; everything else is bundled in.
  esbuild({
    ...node,
    packages: undefined,
    entryPoints: { preload: 'src-main/app/preload.ts' },
    outdir: 'out/app',
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  }),
]);

await viteBuild({ configFile: 'vite.config.mts', logLevel: 'warn' });
console.log(`SegBench built into out/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);

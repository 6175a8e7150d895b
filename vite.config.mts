import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is a static site: relative asset paths so it loads from file:// in Electron and
// from `segbench serve` over http alike.
export default defineConfig({
  root: resolve(import.meta.dirname, 'src-renderer'),
  publicDir: resolve(import.meta.dirname, 'assets/web'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});

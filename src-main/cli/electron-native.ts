import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths';

/**
 * better-sqlite3 is compiled against one V8 ABI: node_modules holds the build for Node (serve mode,
 * CLI, tests). Running the desktop app from source needs a second build for Electron's ABI; it is
 * made once per Electron version in node_modules/.cache and handed to the app through
 * SEGBENCH_SQLITE_BINDING. Packaged apps do not need this: electron-builder rebuilds for Electron.
 */
export async function electronSqliteBinding(electronVersion: string): Promise<string> {
  const buildPath = join(packageRoot, 'node_modules', '.cache', 'segbench-electron', electronVersion);
  const binding = join(buildPath, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  console.log(`Building better-sqlite3 for Electron ${electronVersion} (once; needs the Electron headers download)...`);
  mkdirSync(join(buildPath, 'node_modules'), { recursive: true });
  cpSync(join(packageRoot, 'node_modules', 'better-sqlite3'), join(buildPath, 'node_modules', 'better-sqlite3'), { recursive: true });
  writeFileSync(join(buildPath, 'package.json'), JSON.stringify({ name: 'segbench-electron-native', private: true, dependencies: { 'better-sqlite3': '*' } }));
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath, electronVersion, onlyModules: ['better-sqlite3'], force: true });
  return binding;
}

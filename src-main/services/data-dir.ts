import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

interface DataDirSources {
  flag?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Electron's app.getPath('userData') when running in the desktop app. */
  electronUserData?: string | undefined;
  platform?: NodeJS.Platform;
}

/**
 * Where SegBench keeps its database, checkpoints and caches: `--data-dir`, else SEGBENCH_HOME,
 * else Electron's userData, else the folder Electron would use, so serve mode and the desktop app
 * share one store by default.
 */
export function resolveDataDir(sources: DataDirSources = {}): string {
  const env = sources.env ?? process.env;
  if (sources.flag) return resolve(sources.flag);
  if (env.SEGBENCH_HOME) return resolve(env.SEGBENCH_HOME);
  if (sources.electronUserData) return sources.electronUserData;
  const platform = sources.platform ?? process.platform;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'SegBench');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'SegBench');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'SegBench');
}

export function ensureDataDir(dir: string): void {
  for (const sub of ['', 'runs', 'cache']) mkdirSync(join(dir, sub), { recursive: true });
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, read from package.json beside the sources or the built bundle. */
function readVersion(): string {
  for (const candidate of [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', 'package.json')]) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'segbench' && parsed.version) return parsed.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const appVersion = readVersion();

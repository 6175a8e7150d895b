import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '../../src-shared/zod';

/** What is read of a package.json: its name and version, when they are strings. */
const packageSchema = z.object({ name: z.string().optional(), version: z.string().optional() });

/** The package version, read from package.json beside the sources or the built bundle. */
function readVersion(): string {
  for (const candidate of [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', 'package.json')]) {
    try {
      const parsed = packageSchema.safeParse(JSON.parse(readFileSync(candidate, 'utf8')));
      if (parsed.success && parsed.data.name === 'segbench' && parsed.data.version) return parsed.data.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const appVersion = readVersion();

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder under the system's temp folder, its name starting with `prefix`. */
export function tempDir(prefix = 'segbench-bench-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Fills the disk of `dir` with a file, leaving about `leaveBytes` free (0: to the last byte, the
 * partial blocks too); returns the filler's path, for unfillDisk.
 */
export function fillDisk(dir: string, leaveBytes = 0): string {
  const path = join(dir, `filler-${Date.now()}-${Math.random()}`);
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  if (leaveBytes > 0) {
    execFileSync('truncate', ['-s', `-${leaveBytes}`, path]);
    return path;
  }
  const tail = openSync(`${path}-tail`, 'w');
  try {
    for (;;) writeSync(tail, Buffer.alloc(512, 1));
  } catch {
    // full to the last byte
  } finally {
    closeSync(tail);
  }
  return path;
}

export function unfillDisk(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}-tail`, { force: true });
}

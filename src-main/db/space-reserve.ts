import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freeBytes } from './connection';

/**
 * A small file SegBench keeps in the data directory while there is room, and deletes the moment
 * the disk is full, so that it can still open its database (SQLite needs room for its shared-memory
 * index and journal) and write how a job ended ("disk full", not a later generic "crashed").
 * Made again at the next start with room.
 */
export const reserveName = 'space-reserve';
export const reserveBytes = 1024 * 1024;

const reservePath = (dataDir: string): string => join(dataDir, reserveName);

/** Writes the reserve if it is missing and the disk has room to spare (8 times its size). */
export function keepReserve(dataDir: string): void {
  const path = reservePath(dataDir);
  if (existsSync(path)) return;
  const free = freeBytes(dataDir);
  if (free === null || free < 8 * reserveBytes) return;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'wx');
    // Real blocks, not a sparse file: deleting it must give the space back.
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    for (let written = 0; written < reserveBytes; written += chunk.length) writeSync(fd, chunk);
  } catch {
    rmSync(path, { force: true });
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Deletes the reserve of the data directory holding `path` (the database file or the folder); true if there was one. */
export function releaseReserve(path: string): boolean {
  for (const dir of [path, dirname(path)]) {
    const file = reservePath(dir);
    if (existsSync(file)) {
      rmSync(file, { force: true });
      return true;
    }
  }
  return false;
}

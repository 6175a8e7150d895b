import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '../../src-shared/zod';
import type { PredictionEncoding } from '../../src-shared/training';

/**
 * What SegBench wrote into a user's output folder, so that a prediction never replaces a file it
 * did not write (a ground-truth mask named like a prediction, `tile1_mask.png`, above all). One
 * JSON file in that folder lists each file SegBench wrote with its size and modification time; a
 * listed file that was changed since counts as the user's again. Read by main before a folder
 * prediction is queued and written by the engine once the job has written its files. Neither
 * main's services nor the engine: both import it.
 */
export const manifestName = '.segbench-predictions.json';

const manifestSchema = z.object({
  files: z.record(z.string(), z.object({ size: z.number(), mtimeMs: z.number() })),
});
type Manifest = z.infer<typeof manifestSchema>;

function readManifest(dir: string): Manifest {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(join(dir, manifestName), 'utf8')));
    return parsed.success ? parsed.data : { files: {} };
  } catch {
    return { files: {} };
  }
}

/** Whether `name` in `dir` is a file SegBench wrote and nobody changed since. */
function writtenBySegBench(dir: string, name: string, manifest: Manifest = readManifest(dir)): boolean {
  const entry = manifest.files[name];
  if (!entry) return false;
  try {
    const stat = statSync(join(dir, name));
    return stat.size === entry.size && Math.abs(stat.mtimeMs - entry.mtimeMs) < 1;
  } catch {
    return false;
  }
}

/** The existing files among `names` that SegBench may replace (it wrote them), and those it may not. */
export function existingOutputs(dir: string, names: readonly string[]): { ours: string[]; theirs: string[] } {
  const manifest = readManifest(dir);
  const ours: string[] = [];
  const theirs: string[] = [];
  for (const name of names) {
    if (!existsSync(join(dir, name))) continue;
    (writtenBySegBench(dir, name, manifest) ? ours : theirs).push(name);
  }
  return { ours, theirs };
}

/** Names SegBench wrote to this folder before (listed, unchanged since): never taken as inputs. */
export function previousOutputs(dir: string): Set<string> {
  const manifest = readManifest(dir);
  return new Set(Object.keys(manifest.files).filter((name) => writtenBySegBench(dir, name, manifest)));
}

/** Adds the files just written to the folder's list (written beside it, then renamed over it). */
export function recordOutputs(dir: string, names: readonly string[]): void {
  if (names.length === 0) return;
  const manifest = readManifest(dir);
  for (const name of names) {
    try {
      const stat = statSync(join(dir, name));
      manifest.files[name] = { size: stat.size, mtimeMs: stat.mtimeMs };
    } catch {
      // Not written after all (removed meanwhile): not listed.
    }
  }
  const temp = join(dir, `${manifestName}.tmp-${process.pid}`);
  writeFileSync(temp, JSON.stringify(manifest));
  renameSync(temp, join(dir, manifestName));
}

/**
 * The files one image's prediction writes: `<stem>_index` (class indices) or `<stem>_mask` (the
 * dataset's mask values), `.tif` for a georeferenced GeoTIFF input else `.png`; optionally
 * `<stem>_confidence.png`; `<stem>_color.png` unless only the index is wanted.
 */
export function outputNames(
  stem: string,
  settings: { encoding: PredictionEncoding; maskValues?: unknown; confidence?: boolean | undefined; indexOnly?: boolean | undefined },
  geoTiff: boolean,
): string[] {
  const ext = geoTiff ? 'tif' : 'png';
  const names: string[] = [];
  if (settings.encoding === 'class-index') names.push(`${stem}_index.${ext}`);
  else if (settings.encoding === 'mask-values' && settings.maskValues) names.push(`${stem}_mask.${ext}`);
  if (settings.confidence) names.push(`${stem}_confidence.png`);
  if (!settings.indexOnly || settings.encoding === 'palette') names.push(`${stem}_color.png`);
  return names;
}

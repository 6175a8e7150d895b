import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { lossyMaskAdvice } from '../../src-shared/datasets';
import type { PairingSummary } from '../../src-shared/datasets';
import { ApiError } from '../../src-shared/errors';
import type { FileEntry, PairingReport } from './pairing';
import { pairFiles } from './pairing';

/** Sub-folders deeper than this are not searched (a dataset folder, not a disk). */
const maxDepth = 6;

/**
 * Every file under `dir` (hidden files and folders left out), named by its path relative to
 * `dir` with forward slashes: `train/a.png`. Nested folders pair by that relative path, so
 * `images/train/a.jpg` meets `masks/train/a.png`, and the folder names can carry the split.
 */
async function listFolder(dir: string, role: string, skip: string | undefined, skippedLinks: string[]): Promise<FileEntry[]> {
  let stats;
  try {
    stats = await stat(dir);
  } catch {
    throw new ApiError('VALIDATION', `The ${role} folder ${dir} does not exist. Give the path of a folder that holds the ${role}.`);
  }
  if (!stats.isDirectory()) throw new ApiError('VALIDATION', `${dir} is a file, not a folder. Give the folder that holds the ${role}.`);
  const files: FileEntry[] = [];
  // Symbolic links are followed (a dataset assembled from links is common); a link back into a
  // folder already listed would loop, so each real folder is listed once.
  const seen = new Set<string>([await realpath(dir).catch(() => dir)]);
  const walk = async (folder: string, prefix: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (depth === 0) throw new ApiError('VALIDATION', `Cannot read the folder ${dir}: ${(error as Error).message}`);
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      let isFile = entry.isFile();
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => null);
        if (!target) {
          skippedLinks.push(`${prefix}${entry.name} (a broken link)`);
          continue;
        }
        isFile = target.isFile();
        isDirectory = target.isDirectory();
      }
      if (isFile) files.push({ name: `${prefix}${entry.name}`, path });
      // The other side's folder, when it sits inside this one, is not part of this side.
      else if (isDirectory && depth < maxDepth && path !== skip) {
        const real = await realpath(path).catch(() => path);
        if (seen.has(real)) {
          skippedLinks.push(`${prefix}${entry.name} (a link back into a folder already listed)`);
          continue;
        }
        seen.add(real);
        await walk(path, `${prefix}${entry.name}/`, depth + 1);
      }
    }
  };
  await walk(dir, '', 0);
  return files;
}

export interface ScanResult {
  imagesDir: string;
  masksDir: string;
  report: PairingReport;
  summary: PairingSummary;
}

/** Lists the folders and pairs images with masks by stem; reads no image data. */
export async function scanFolders(imagesDirInput: string, masksDirInput?: string): Promise<ScanResult> {
  const imagesDir = resolve(imagesDirInput);
  const masksDir = masksDirInput ? resolve(masksDirInput) : imagesDir;
  const skippedLinks: string[] = [];
  const images = await listFolder(imagesDir, 'images', masksDir === imagesDir ? undefined : masksDir, skippedLinks);
  const masks = masksDir === imagesDir ? null : await listFolder(masksDir, 'masks', imagesDir, skippedLinks);
  const report = pairFiles(images, masks);
  return {
    imagesDir,
    masksDir,
    report,
    summary: {
      imagesDir,
      masksDir,
      pairs: report.pairs.length,
      examples: report.pairs.slice(0, 5).map((p) => ({ stem: p.stem, image: p.image.name, mask: p.mask.name })),
      imagesWithoutMasks: report.imagesWithoutMasks,
      masksWithoutImages: report.masksWithoutImages,
      duplicates: report.duplicates,
      ignored: report.ignored,
      lossyMasks: report.lossyMasks,
      ...(report.roles && { roles: report.roles }),
      ...(skippedLinks.length > 0 && { links: skippedLinks.sort() }),
    },
  };
}

/** Why a scan found nothing to import, in words, for the error message. */
export function describeEmptyScan(scan: ScanResult): string {
  const { summary } = scan;
  const parts = [`No image/mask pairs found (images: ${summary.imagesDir}, masks: ${summary.masksDir}).`];
  if (summary.imagesWithoutMasks.length)
    parts.push(`${summary.imagesWithoutMasks.length} image(s) have no mask, e.g. ${summary.imagesWithoutMasks.slice(0, 3).join(', ')}.`);
  if (summary.masksWithoutImages.length)
    parts.push(`${summary.masksWithoutImages.length} mask(s) have no image, e.g. ${summary.masksWithoutImages.slice(0, 3).join(', ')}.`);
  const lossy = summary.lossyMasks ?? [];
  if (lossy.length) parts.push(`${lossy.length} mask(s) are JPEG, e.g. ${lossy.slice(0, 3).join(', ')}. ${lossyMaskAdvice}`);
  if (!summary.imagesWithoutMasks.length && !summary.masksWithoutImages.length && !lossy.length) parts.push('The folders hold no JPEG, PNG or TIFF files.');
  parts.push('Images and masks pair by file name: a.jpg with a.png, 1_sat.jpg with 1_mask.png.');
  return parts.join(' ');
}

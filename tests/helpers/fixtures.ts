import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from './services';

/**
 * Eleven real dubai-aerial pairs, byte-identical copies kept in the repository (see its README.md):
 * tile1_image_part_001-006, tile2_image_part_001-002, tile3_image_part_001, tile6_image_part_004-005.
 * Tests read only these; the full 72-pair set beside the repository is for bench/.
 */
export const dubaiDir = join('tests', 'fixtures', 'dubai-aerial');

/** A folder pair with `count` real dubai-aerial tiles (tile1_image_part_001..006), or the given stems of the fixture. */
export function dubaiSubset(count: number, stems = Array.from({ length: count }, (_, i) => `tile1_image_part_00${i + 1}`)): { images: string; masks: string } {
  const root = tempDir('segbench-data-');
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  for (const stem of stems) {
    copyFileSync(join(dubaiDir, 'images', `${stem}.jpg`), join(images, `${stem}.jpg`));
    copyFileSync(join(dubaiDir, 'masks', `${stem}.png`), join(masks, `${stem}.png`));
  }
  return { images, masks };
}

/** Writes a one-channel index-mask PNG from class indices laid out row by row. */
export async function writeIndexMask(path: string, width: number, height: number, values: readonly number[]): Promise<void> {
  // b-w keeps it one channel; without it sharp writes an sRGB PNG.
  await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(path);
}

/** Writes an RGB PNG where every pixel has one of the given colours, laid out row by row. */
export async function writeRgbMask(path: string, width: number, height: number, colours: readonly [number, number, number][]): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  colours.forEach(([r, g, b], i) => data.set([r, g, b], i * 3));
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

export async function writeImage(path: string, width: number, height: number): Promise<void> {
  await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 60 } } })
    .jpeg()
    .toFile(path);
}

export function writeText(path: string, text: string): void {
  writeFileSync(path, text);
}

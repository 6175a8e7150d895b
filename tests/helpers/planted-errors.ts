import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../src-shared/random';
import { tempDir } from './services';

/**
 * A tiny two-class set a small model learns in a few steps: green ground (mask 0) with red
 * rectangles (mask 1). In the images listed in `planted`, one red rectangle is labelled ground:
 * a missing-building error of the kind the label-error finder must rank first.
 */
export async function plantedErrorFolder(
  count = 12,
  size = 32,
  planted: readonly number[] = [4],
): Promise<{ dir: string; stems: string[]; planted: string[] }> {
  const dir = tempDir('segbench-planted-');
  mkdirSync(join(dir, 'images'));
  mkdirSync(join(dir, 'masks'));
  const random = mulberry32(11);
  const stems: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const stem = `tile_${String(i + 1).padStart(2, '0')}`;
    stems.push(stem);
    const rgb = Buffer.alloc(size * size * 3);
    const mask = Buffer.alloc(size * size);
    for (let p = 0; p < size * size; p += 1) {
      rgb[p * 3] = 40 + Math.floor(random() * 30);
      rgb[p * 3 + 1] = 150 + Math.floor(random() * 40);
      rgb[p * 3 + 2] = 40 + Math.floor(random() * 30);
    }
    const boxes = 2;
    for (let b = 0; b < boxes; b += 1) {
      const wrong = planted.includes(i) && b === 0;
      // The mislabelled box is the largest size a box takes, so that the error outweighs box edges.
      const drawn = Math.floor(size * 0.25) + Math.floor(random() * size * 0.15);
      const w = wrong ? Math.floor(size * 0.4) : drawn;
      const x0 = Math.floor(random() * (size - w));
      const y0 = Math.floor(random() * (size - w));
      for (let y = y0; y < y0 + w; y += 1) {
        for (let x = x0; x < x0 + w; x += 1) {
          const p = y * size + x;
          rgb[p * 3] = 190 + Math.floor(random() * 40);
          rgb[p * 3 + 1] = 40 + Math.floor(random() * 30);
          rgb[p * 3 + 2] = 40 + Math.floor(random() * 30);
          mask[p] = wrong ? 0 : 1;
        }
      }
    }
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(join(dir, 'images', `${stem}.png`));
    await sharp(mask, { raw: { width: size, height: size, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(dir, 'masks', `${stem}.png`));
  }
  return { dir, stems, planted: planted.map((i) => stems[i]!) };
}

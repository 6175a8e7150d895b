import { ignoreLabel } from '../../../src-shared/class-weights';
import { centredOrigin } from '../../../src-shared/recipes';
import type { RunConfig } from '../../../src-shared/run-config';
import type { Pixels, Sample } from './decode';

export interface Crop {
  image: Pixels;
  labels: Uint8Array;
}

/**
 * One training crop of `size` x `size`: random scale in [scaleMin, scaleMax] (a scale of 2 shows
 * a region half the size, enlarged), random position, flips and rot90, all in one resampling pass:
 * bilinear for the image, nearest neighbour for the labels (a label is never blended). Where the
 * crop leaves the image, the image is black (0) and the labels are ignore. Colour jitter
 * (brightness, contrast, saturation) touches RGB images only: a band's value is a measurement.
 */
export function augmentCrop(sample: Sample, size: number, augment: RunConfig['augment'], random: () => number, centre?: { x: number; y: number }): Crop {
  const scale = augment.scaleMin + (augment.scaleMax - augment.scaleMin) * random();
  const side = size / scale;
  // A minority-centred crop is placed around its pixel, shifted inside the image (padded with ignore when the image is smaller).
  const x0 = centre ? centredOrigin(centre.x, side, sample.width) : sample.width > side ? random() * (sample.width - side) : (sample.width - side) / 2;
  const y0 = centre ? centredOrigin(centre.y, side, sample.height) : sample.height > side ? random() * (sample.height - side) : (sample.height - side) / 2;
  const flipX = augment.flips && random() < 0.5;
  const flipY = augment.flips && random() < 0.5;
  const turns = augment.rot90 ? Math.floor(random() * 4) : 0;
  const channels = sample.channels;
  const bytes = sample.image instanceof Uint8Array;
  const image = bytes ? new Uint8Array(size * size * channels) : new Float32Array(size * size * channels);
  const round = bytes ? 0.5 : 0;
  const labels = new Uint8Array(size * size).fill(ignoreLabel);
  const { width, height } = sample;
  for (let i = 0; i < size; i += 1) {
    for (let j = 0; j < size; j += 1) {
      // Output (i, j) -> position in the unrotated, unflipped crop (u, v).
      let u = i;
      let v = j;
      for (let t = 0; t < turns; t += 1) [u, v] = [v, size - 1 - u];
      if (flipY) u = size - 1 - u;
      if (flipX) v = size - 1 - v;
      const sy = y0 + (u + 0.5) / scale - 0.5;
      const sx = x0 + (v + 0.5) / scale - 0.5;
      const out = i * size + j;
      const ny = Math.round(sy);
      const nx = Math.round(sx);
      if (ny >= 0 && nx >= 0 && ny < height && nx < width) labels[out] = sample.labels[ny * width + nx]!;
      if (sx < -0.5 || sy < -0.5 || sx > width - 0.5 || sy > height - 0.5) continue;
      const xa = Math.min(width - 1, Math.max(0, Math.floor(sx)));
      const ya = Math.min(height - 1, Math.max(0, Math.floor(sy)));
      const xb = Math.min(width - 1, xa + 1);
      const yb = Math.min(height - 1, ya + 1);
      const fx = Math.min(1, Math.max(0, sx - xa));
      const fy = Math.min(1, Math.max(0, sy - ya));
      for (let c = 0; c < channels; c += 1) {
        const top = sample.image[(ya * width + xa) * channels + c]! * (1 - fx) + sample.image[(ya * width + xb) * channels + c]! * fx;
        const bottom = sample.image[(yb * width + xa) * channels + c]! * (1 - fx) + sample.image[(yb * width + xb) * channels + c]! * fx;
        image[out * channels + c] = top * (1 - fy) + bottom * fy + round;
      }
    }
  }
  if (augment.colorJitter > 0 && image instanceof Uint8Array && channels === 3) jitter(image, augment.colorJitter, random);
  return { image, labels };
}

function jitter(image: Uint8Array, amount: number, random: () => number): void {
  const factor = (): number => 1 + (random() * 2 - 1) * amount;
  const brightness = factor();
  const contrast = factor();
  const saturation = factor();
  let mean = 0;
  for (let i = 0; i < image.length; i += 1) mean += image[i]!;
  mean /= image.length;
  for (let p = 0; p < image.length; p += 3) {
    const grey = 0.299 * image[p]! + 0.587 * image[p + 1]! + 0.114 * image[p + 2]!;
    for (let c = 0; c < 3; c += 1) {
      let value = grey + (image[p + c]! - grey) * saturation;
      value = mean + (value - mean) * contrast;
      image[p + c] = Math.max(0, Math.min(255, value * brightness));
    }
  }
}

/**
 * Where a minority-centred crop goes: with probability `share`, a uniformly chosen pixel of one of
 * `labels` (positions listed once per sample by `pixelsOf`); null for a random crop, also when the
 * image has none of those classes.
 */
export function minorityCentre(sample: Sample, pixels: Uint32Array, share: number, random: () => number): { x: number; y: number } | null {
  if (random() >= share || pixels.length === 0) return null;
  const p = pixels[Math.floor(random() * pixels.length)]!;
  return { x: p % sample.width, y: Math.floor(p / sample.width) };
}

/** Indices of the pixels whose label is one of `labels`. */
export function pixelsOf(sample: Sample, labels: readonly number[]): Uint32Array {
  const wanted = new Uint8Array(256);
  for (const l of labels) wanted[l] = 1;
  let n = 0;
  for (let p = 0; p < sample.labels.length; p += 1) n += wanted[sample.labels[p]!]!;
  const out = new Uint32Array(n);
  let k = 0;
  for (let p = 0; p < sample.labels.length; p += 1) if (wanted[sample.labels[p]!]) out[k++] = p;
  return out;
}

/**
 * Per-band statistics of multispectral images (sums for exact means, samples for percentiles and
 * histograms) and how bands are drawn (percentile stretch, colour ramp). Pure: the Statistics tab,
 * indexing, thumbnails and the viewer's band views all use it.
 */
import { z } from './zod';

/** Values a band keeps per image for percentiles and histograms (a strided sample of valid pixels). */
export const bandSampleSize = 256;

/** Per image and band: sums for exact means, and a sample for percentiles (stored in images.raster as `sums`). */
export const bandSumsSchema = z.object({
  valid: z.number(),
  nodata: z.number(),
  sum: z.number(),
  squares: z.number(),
  min: z.number(),
  max: z.number(),
});
export type BandSums = z.output<typeof bandSumsSchema>;

export interface BandStatistics {
  band: number;
  name: string;
  mean: number;
  std: number;
  min: number;
  max: number;
  p2: number;
  p98: number;
  /** Share of this band's pixels equal to the nodata value. */
  nodataShare: number;
  /** 32 bins from p2 - margin to p98 + margin: counts of the sampled values. */
  histogram: { from: number; to: number; counts: number[] };
}

/** The q-quantile (0..1) of sorted values, linearly interpolated as numpy's default does. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const at = (n - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** One band's statistics over several images: exact mean and std from the sums, percentiles from the samples. */
export function bandStatistics(band: number, name: string, sums: readonly BandSums[], samples: readonly ArrayLike<number>[], bins = 32): BandStatistics {
  let valid = 0;
  let nodata = 0;
  let sum = 0;
  let squares = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of sums) {
    valid += s.valid;
    nodata += s.nodata;
    sum += s.sum;
    squares += s.squares;
    if (s.valid > 0) {
      min = Math.min(min, s.min);
      max = Math.max(max, s.max);
    }
  }
  const mean = valid > 0 ? sum / valid : 0;
  const std = valid > 0 ? Math.sqrt(Math.max(0, squares / valid - mean * mean)) : 0;
  const total = samples.reduce((n, s) => n + s.length, 0);
  const all = new Float64Array(total);
  let k = 0;
  for (const s of samples) for (let i = 0; i < s.length; i += 1) all[k++] = s[i]!;
  all.sort();
  const p2 = quantile(all, 0.02);
  const p98 = quantile(all, 0.98);
  const span = p98 - p2 || 1;
  const from = p2 - span * 0.1;
  const to = p98 + span * 0.1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < all.length; i += 1) {
    const bin = Math.floor(((all[i]! - from) / (to - from)) * bins);
    if (bin >= 0 && bin < bins) counts[bin]! += 1;
  }
  return {
    band,
    name,
    mean,
    std,
    min: valid > 0 ? min : 0,
    max: valid > 0 ? max : 0,
    p2,
    p98,
    nodataShare: valid + nodata > 0 ? nodata / (valid + nodata) : 0,
    histogram: { from, to, counts },
  };
}

/** Sums and a strided sample of one band's valid values, for the dataset's statistics. */
export function bandSums(band: ArrayLike<number>, nodata: number | null, sampleSize = bandSampleSize): { sums: BandSums; sample: Float32Array } {
  let valid = 0;
  let sum = 0;
  let squares = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < band.length; p += 1) {
    const v = band[p]!;
    if (v === nodata || !Number.isFinite(v)) continue;
    valid += 1;
    sum += v;
    squares += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const sample = new Float32Array(Math.min(sampleSize, valid));
  if (sample.length > 0) {
    const stride = valid / sample.length;
    let seen = 0;
    let k = 0;
    let next = 0;
    for (let p = 0; p < band.length && k < sample.length; p += 1) {
      const v = band[p]!;
      if (v === nodata || !Number.isFinite(v)) continue;
      if (seen >= next) {
        sample[k++] = v;
        next = Math.floor(k * stride);
      }
      seen += 1;
    }
  }
  return { sums: { valid, nodata: band.length - valid, sum, squares, min: valid ? min : 0, max: valid ? max : 0 }, sample };
}

/** Three bands stretched linearly from each one's [low, high] to 0..255 (percentile stretch), as RGB bytes; nodata black. */
export function stretchComposite(
  bands: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>],
  ranges: readonly [number, number][],
  pixels: number,
  nodata: number | null,
): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let c = 0; c < 3; c += 1) {
    const band = bands[c]!;
    const [low, high] = ranges[c]!;
    const scale = 255 / (high - low || 1);
    for (let p = 0; p < pixels; p += 1) {
      const v = band[p]!;
      out[p * 3 + c] = v === nodata || !Number.isFinite(v) ? 0 : Math.max(0, Math.min(255, Math.round((v - low) * scale)));
    }
  }
  return out;
}

/** The 2nd and 98th percentiles of a band's valid values (from a strided sample), for a stretch. */
export function percentileRange(band: ArrayLike<number>, nodata: number | null): [number, number] {
  const { sample } = bandSums(band, nodata, 4096);
  sample.sort();
  return [quantile(sample, 0.02), quantile(sample, 0.98)];
}

/** The ramp's colours from low to high (viridis-like): the image and the viewer's legend both use them. */
export const rampStops: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** A single band or index as a colour ramp (viridis-like, 5 stops) over [low, high]; nodata black. */
export function rampImage(values: ArrayLike<number>, low: number, high: number, valid?: Uint8Array): Uint8Array {
  const stops = rampStops;
  const out = new Uint8Array(values.length * 3);
  const span = high - low || 1;
  for (let p = 0; p < values.length; p += 1) {
    const v = values[p]!;
    if ((valid && !valid[p]) || !Number.isFinite(v)) continue;
    const t = Math.max(0, Math.min(1, (v - low) / span)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(t));
    const f = t - i;
    for (let c = 0; c < 3; c += 1) out[p * 3 + c] = Math.round(stops[i]![c]! * (1 - f) + stops[i + 1]![c]! * f);
  }
  return out;
}

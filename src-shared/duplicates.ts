import type { SplitName } from './splits';
import { z } from './zod';

/**
 * Near-duplicate images by a perceptual DCT signature: the image shrunk to 64x64 grey, its 16x16
 * lowest 2-D DCT frequencies (DC left out) as a unit vector; similarity is the cosine of two
 * signatures (threshold default 0.97, as for embeddings). Aerial tiles are often stored rotated or
 * mirrored, so two images are compared at their best orientation of 8: a mirror only flips the
 * sign of odd frequencies and a transpose swaps the axes, so no image is decoded twice.
 * (A sign-bit hash of the same coefficients was tried first: a JPEG re-encode at quality 60
 * already moved it to 0.95, under the threshold; the cosine keeps it at 0.997.)
 */
export const hashSide = 64;
const hashBlock = 16;
export const hashBits = hashBlock * hashBlock;
export const defaultDuplicateThreshold = 0.97;

/** Similarity thresholds below 0.8 would call unrelated aerial tiles duplicates (their pairs reach 0.92 on dubai-aerial). */
const duplicateThresholdSchema = z.number().min(0.8, 'a similarity between 0.8 and 1 (default 0.97)').max(1, 'a similarity between 0.8 and 1 (default 0.97)');

export const duplicatesRequestSchema = z.strictObject({
  datasetId: z.string().min(1),
  threshold: duplicateThresholdSchema.default(defaultDuplicateThreshold),
});

/** The lowest `hashBlock` x `hashBlock` DCT-II coefficients of an n x n grey image, [v][u] row-major. */
export function lowFrequencies(grey: ArrayLike<number>, n: number = hashSide): Float64Array {
  const k = hashBlock;
  const cos = new Float64Array(k * n);
  for (let u = 0; u < k; u += 1) for (let x = 0; x < n; x += 1) cos[u * n + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * n));
  // Rows first (horizontal frequencies u), then columns (vertical frequencies v).
  const rows = new Float64Array(n * k);
  for (let y = 0; y < n; y += 1) {
    for (let u = 0; u < k; u += 1) {
      let sum = 0;
      for (let x = 0; x < n; x += 1) sum += grey[y * n + x]! * cos[u * n + x]!;
      rows[y * k + u] = sum;
    }
  }
  const out = new Float64Array(k * k);
  for (let v = 0; v < k; v += 1) {
    for (let u = 0; u < k; u += 1) {
      let sum = 0;
      for (let y = 0; y < n; y += 1) sum += rows[y * k + u]! * cos[v * n + y]!;
      out[v * k + u] = sum;
    }
  }
  return out;
}

/** The 8 rotations and mirrors of the image, as coefficient blocks: [identity, mirror, flip, both, and each transposed]. */
export function dihedralCoefficients(c: Float64Array): Float64Array[] {
  const k = hashBlock;
  const signed = (sx: boolean, sy: boolean, transpose: boolean): Float64Array => {
    const out = new Float64Array(k * k);
    for (let v = 0; v < k; v += 1) {
      for (let u = 0; u < k; u += 1) {
        const value = transpose ? c[u * k + v]! : c[v * k + u]!;
        const su = transpose ? v : u;
        const sv = transpose ? u : v;
        const sign = (sx && su % 2 === 1 ? -1 : 1) * (sy && sv % 2 === 1 ? -1 : 1);
        out[v * k + u] = sign * value;
      }
    }
    return out;
  };
  const variants: Float64Array[] = [];
  for (const transpose of [false, true])
    for (const [sx, sy] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const)
      variants.push(signed(sx, sy, transpose));
  return variants;
}

/**
 * An image's signature: its 16x16 lowest DCT frequencies without the DC term (so brightness
 * offsets do not count), scaled to unit length. Cosine similarity of two signatures compares
 * the images' large structures; re-encoding, resizing and mild colour changes keep it near 1.
 */
export function signatureOf(grey: ArrayLike<number>, n: number = hashSide): Float32Array {
  const c = lowFrequencies(grey, n);
  c[0] = 0;
  let norm = 0;
  for (const v of c) norm += v * v;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float32Array.from(c, (v) => v * scale);
}

function transposed(a: ArrayLike<number>): Float32Array {
  const k = hashBlock;
  const out = new Float32Array(k * k);
  for (let v = 0; v < k; v += 1) for (let u = 0; u < k; u += 1) out[v * k + u] = a[u * k + v]!;
  return out;
}

/** Parity class of each coefficient: bit 0 = odd horizontal frequency, bit 1 = odd vertical. */
const parity = Uint8Array.from({ length: hashBits }, (_, i) => ((i % hashBlock) & 1) | ((Math.floor(i / hashBlock) & 1) << 1));

/**
 * Cosine similarity at the best of the 8 rotations and mirrors of `a`. A mirror flips the sign
 * of the odd frequencies along its axis, so the dot products split into four parity sums, straight
 * and transposed, from which all 8 orientations follow without recomputing.
 */
function orientedSimilarity(a: ArrayLike<number>, aT: ArrayLike<number>, b: ArrayLike<number>): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0;
  for (let i = 0; i < hashBits; i += 1) {
    const bi = b[i]!;
    const x = a[i]! * bi;
    const y = aT[i]! * bi;
    switch (parity[i]) {
      case 0:
        s0 += x;
        t0 += y;
        break;
      case 1:
        s1 += x;
        t1 += y;
        break;
      case 2:
        s2 += x;
        t2 += y;
        break;
      default:
        s3 += x;
        t3 += y;
    }
  }
  let best = -1;
  for (const [p0, p1, p2, p3] of [
    [s0, s1, s2, s3],
    [t0, t1, t2, t3],
  ] as const) {
    best = Math.max(best, p0 + p1 + p2 + p3, p0 - p1 + p2 - p3, p0 + p1 - p2 - p3, p0 - p1 - p2 + p3);
  }
  return best;
}

export function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return orientedSimilarity(a, transposed(a), b);
}

export interface HashedImage {
  id: number;
  signature: ArrayLike<number>;
}

export interface DuplicateGroup {
  ids: number[];
  /** The lowest similarity along the links that joined the group, and the highest. */
  minSimilarity: number;
  maxSimilarity: number;
}

/**
 * Groups images linked by similarity >= threshold, transitively (union-find over all pairs, so
 * O(n^2): 0.3 s for 1,000 images and 1.3 s for 2,000 on one core, measured in bench/duplicates.ts).
 */
export function duplicateGroups(images: readonly HashedImage[], threshold: number): DuplicateGroup[] {
  const parent = images.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const transposes = images.map((image) => transposed(image.signature));
  const links: { a: number; s: number }[] = [];
  for (let i = 0; i < images.length; i += 1) {
    for (let j = i + 1; j < images.length; j += 1) {
      const s = orientedSimilarity(images[i]!.signature, transposes[i]!, images[j]!.signature);
      if (s >= threshold) {
        links.push({ a: i, s });
        parent[find(i)] = find(j);
      }
    }
  }
  const groups = new Map<number, DuplicateGroup>();
  for (const { a, s } of links) {
    const root = find(a);
    const group = groups.get(root) ?? { ids: [], minSimilarity: 1, maxSimilarity: -1 };
    group.minSimilarity = Math.min(group.minSimilarity, s);
    group.maxSimilarity = Math.max(group.maxSimilarity, s);
    groups.set(root, group);
  }
  images.forEach((image, i) => groups.get(find(i))?.ids.push(image.id));
  return [...groups.values()].map((g) => ({ ...g, ids: g.ids.sort((a, b) => a - b) })).sort((a, b) => b.ids.length - a.ids.length || a.ids[0]! - b.ids[0]!);
}

interface LeakageReport {
  /** Groups with members in more than one split. */
  groupsAcrossSplits: number;
  /** Validation and test images with a near-duplicate in the training split. */
  heldOutWithTrainTwin: number;
}

export function leakage(groups: readonly DuplicateGroup[], splitOf: (id: number) => SplitName | null): LeakageReport {
  let across = 0;
  let twins = 0;
  for (const group of groups) {
    const splits = group.ids.map(splitOf);
    if (new Set(splits.filter((s) => s !== null)).size > 1) across += 1;
    if (splits.includes('train')) twins += splits.filter((s) => s === 'val' || s === 'test').length;
  }
  return { groupsAcrossSplits: across, heldOutWithTrainTwin: twins };
}

export interface DuplicateReport {
  datasetId: string;
  threshold: number;
  images: number;
  /** Images with a hash of their current file; the rest need "Find near-duplicates". */
  hashed: number;
  groups: (DuplicateGroup & { members: { id: number; stem: string; split: SplitName | null }[] })[];
  leakage: LeakageReport;
  /** Validation and test images in all. */
  heldOutImages: number;
}

export const hashJobParamsSchema = z.object({
  datasetId: z.string().min(1),
  items: z.array(z.object({ imageId: z.number().int(), imagePath: z.string().min(1), stamp: z.tuple([z.number(), z.number()]) })),
});
export type HashJobParams = z.output<typeof hashJobParamsSchema>;

export interface HashedImageResult {
  imageId: number;
  signature: number[];
  /** The image file's size and mtime the signature belongs to. */
  stamp: [number, number];
}

/** Label value that every loss and metric leaves out (ignore class and unknown mask values). */
export const ignoreLabel = 255;

export const classWeightModes = ['none', 'inverse', 'median'] as const;
type ClassWeightMode = (typeof classWeightModes)[number];

/**
 * Per-class loss weights from pixel counts. `inverse`: 1/frequency, scaled so present classes
 * average 1. `median`: median frequency / frequency (Eigen and Fergus 2015). Classes with no
 * pixels get weight 0 (they cannot occur in a batch anyway).
 */
export function classWeights(pixels: readonly number[], mode: ClassWeightMode): number[] {
  if (mode === 'none') return pixels.map(() => 1);
  const total = pixels.reduce((a, b) => a + b, 0);
  const freq = pixels.map((p) => (total > 0 ? p / total : 0));
  const present = freq.filter((f) => f > 0);
  if (present.length === 0) return pixels.map(() => 1);
  if (mode === 'inverse') {
    const inverse = freq.map((f) => (f > 0 ? 1 / f : 0));
    const mean = inverse.filter((w) => w > 0).reduce((a, b) => a + b, 0) / present.length;
    return inverse.map((w) => w / mean);
  }
  const sorted = [...present].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return freq.map((f) => (f > 0 ? median / f : 0));
}

/**
 * Counts the distinct values of a decoded mask. RGB(A) pixels become r<<16|g<<8|b; one- and
 * two-channel masks use their first channel. Masks are mostly long runs of one class, so counts
 * are kept per run and only a run's end touches the Map: close to a plain loop over the bytes.
 *
 * Returns null as soon as more than `limit` distinct values appear (not a class mask).
 */
export function countMaskValues(data: Uint8Array | Uint16Array | Uint32Array, channels: number, limit: number): Map<number, number> | null {
  const counts = new Map<number, number>();
  const pixels = data.length / channels;
  if (pixels === 0) return counts;
  const rgb = channels >= 3;
  let current = rgb ? (data[0]! << 16) | (data[1]! << 8) | data[2]! : data[0]!;
  let run = 0;
  for (let i = 0, p = 0; p < pixels; p += 1, i += channels) {
    const value = rgb ? (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]! : data[i]!;
    if (value === current) {
      run += 1;
      continue;
    }
    counts.set(current, (counts.get(current) ?? 0) + run);
    if (counts.size > limit) return null;
    current = value;
    run = 1;
  }
  counts.set(current, (counts.get(current) ?? 0) + run);
  return counts.size > limit ? null : counts;
}

/**
 * Scales for the canvas line chart: domains from the data, "nice" tick values (steps of 1, 2 or 5
 * times a power of ten, as chart libraries pick them), and the data row nearest to a pointer.
 */

export type DomainEnd = number | 'auto' | 'dataMin' | 'dataMax';

/** The finite values of `keys` over `rows`: their minimum and maximum, or null when there are none. */
export function dataRange(rows: readonly object[], keys: readonly string[]): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    for (const key of keys) {
      const v = (row as Record<string, unknown>)[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? [min, max] : null;
}

/** A step of 1, 2 or 5 times a power of ten that splits `span` into about `count` parts. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  // Nearest of 1, 2, 5 and 10 on a log scale (the thresholds are their geometric means).
  const nice = fraction < Math.SQRT2 ? 1 : fraction < Math.sqrt(10) ? 2 : fraction < Math.sqrt(50) ? 5 : 10;
  return round(nice * power);
}

/**
 * The axis's domain: fixed ends stay; 'auto' ends widen to the next tick of a nice step, and
 * 'dataMin'/'dataMax' are the data's own. A flat or empty range gets some room around it.
 */
export function resolveDomain(range: [number, number] | null, ends: [DomainEnd, DomainEnd], count = 5): [number, number] {
  let [lo, hi] = range ?? [0, 1];
  const [a, b] = ends;
  if (typeof a === 'number') lo = a;
  if (typeof b === 'number') hi = b;
  if (hi < lo) hi = lo;
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    if (typeof a !== 'number') lo -= pad;
    if (typeof b !== 'number' || typeof a === 'number') hi += pad;
  }
  const step = niceStep(hi - lo, count);
  if (a === 'auto') lo = round(Math.floor(lo / step + 1e-9) * step);
  if (b === 'auto') hi = round(Math.ceil(hi / step - 1e-9) * step);
  return [lo, hi];
}

/** Tick values inside [lo, hi] at a nice step (whole numbers only when `integers`); at most count + 2 of them. */
export function niceTicks(lo: number, hi: number, count = 5, integers = false): number[] {
  let step = niceStep(hi - lo, count);
  if (integers) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let v = first; v <= hi + step * 1e-9 && ticks.length <= count * 3; v += step) ticks.push(round(v));
  return ticks;
}

/** Index of the value in ascending `xs` nearest to `x` (binary search), or -1 for an empty array. */
export function nearestIndex(xs: readonly number[], x: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[hi]! - x) < Math.abs(xs[lo]! - x) ? hi : lo;
}

/** Drops the binary noise of decimal steps (0.30000000000000004 is 0.3). */
function round(value: number): number {
  return Number(value.toPrecision(12));
}

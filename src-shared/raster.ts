import { z } from './zod';

/**
 * A region drawn over an image, in image pixel coordinates: closed polygons (flat x,y lists) and
 * brush strokes (a disc of `radius` swept along a polyline). The same rasterisation runs in the
 * renderer (to preview) and in main (to apply), so what is drawn is exactly what changes.
 */
export const regionSchema = z.strictObject({
  polygons: z.array(z.array(z.number().finite()).min(6).max(20_000)).max(200).default([]),
  strokes: z
    .array(
      z.strictObject({
        radius: z.number().min(0.5).max(512),
        points: z.array(z.number().finite()).min(2).max(40_000),
      }),
    )
    .max(500)
    .default([]),
});
export type Region = z.output<typeof regionSchema>;

/** 1 where the region covers a pixel's centre, else 0. */
export function rasterizeRegion(region: Region, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const polygon of region.polygons) fillPolygon(out, width, height, polygon);
  for (const stroke of region.strokes) drawStroke(out, width, height, stroke.points, stroke.radius);
  return out;
}

/** Even-odd scanline fill, sampling each pixel at its centre (x + 0.5, y + 0.5). */
function fillPolygon(out: Uint8Array, width: number, height: number, flat: readonly number[]): void {
  const n = Math.floor(flat.length / 2);
  if (n < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i += 1) {
    minY = Math.min(minY, flat[i * 2 + 1]!);
    maxY = Math.max(maxY, flat[i * 2 + 1]!);
  }
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(height - 1, Math.ceil(maxY));
  const crossings: number[] = [];
  for (let y = y0; y <= y1; y += 1) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i, i += 1) {
      const xi = flat[i * 2]!;
      const yi = flat[i * 2 + 1]!;
      const xj = flat[j * 2]!;
      const yj = flat[j * 2 + 1]!;
      if (yi > cy !== yj > cy) crossings.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixels whose centre lies in [left, right).
      const from = Math.max(0, Math.ceil(crossings[k]! - 0.5));
      const to = Math.min(width - 1, Math.ceil(crossings[k + 1]! - 0.5) - 1);
      if (to >= from) out.fill(1, y * width + from, y * width + to + 1);
    }
  }
}

/** Pixels whose centre is within `radius` of the polyline. */
function drawStroke(out: Uint8Array, width: number, height: number, flat: readonly number[], radius: number): void {
  const n = Math.floor(flat.length / 2);
  const r2 = radius * radius;
  for (let s = 0; s < Math.max(1, n - 1); s += 1) {
    const ax = flat[s * 2]!;
    const ay = flat[s * 2 + 1]!;
    const bx = n > 1 ? flat[s * 2 + 2]! : ax;
    const by = n > 1 ? flat[s * 2 + 3]! : ay;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + radius));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + radius));
    const dx = bx - ax;
    const dy = by - ay;
    const length2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y += 1) {
      for (let x = x0; x <= x1; x += 1) {
        const px = x + 0.5 - ax;
        const py = y + 0.5 - ay;
        const t = length2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / length2)) : 0;
        const ex = px - t * dx;
        const ey = py - t * dy;
        if (ex * ex + ey * ey <= r2) out[y * width + x] = 1;
      }
    }
  }
}

/** How many pixels a raster covers. */
export function coveredPixels(raster: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < raster.length; i += 1) n += raster[i]!;
  return n;
}

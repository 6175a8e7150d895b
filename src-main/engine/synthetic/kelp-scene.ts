import { valueNoise } from './noise';

/** Bands of the synthetic multispectral sample, in file order (Landsat-like, as the kelp challenge's tiles). */
export const kelpBandNames = ['SWIR', 'NIR', 'Red', 'Green', 'Blue', 'Cloud', 'DEM'] as const;

/** The value every band holds where a tile has no data (a missing scan-line strip on some tiles). */
export const kelpNodata = 0;

interface KelpScene {
  /** [size * size * 7] interleaved uint16 surface reflectance x 10000 (DEM in metres + 1000). */
  bands: Uint16Array;
  /** [size * size] 0 water, 1 land, 2 kelp. */
  classes: Uint8Array;
}

/**
 * Mean reflectance x 10000 of SWIR, NIR, Red, Green, Blue per class. Kelp canopy floats at the
 * surface: in the visible bands it is as dark as the water around it (same means), but it
 * reflects near infrared like vegetation. Its NDVI sits near +0.4 against water's -0.3, while
 * every brightness varies with the tile's illumination and haze, so only the ratio separates it.
 */
const signatures: Record<number, [number, number, number, number, number]> = {
  0: [120, 260, 420, 640, 820],
  1: [2400, 2900, 1500, 1300, 1000],
  2: [160, 1100, 420, 640, 820],
};

/**
 * One tile: a coastline from smooth noise (land on one side, sometimes none), kelp beds as small
 * blobs in the water near the coast (well under 2% of the pixels on average), illumination that
 * varies across tiles and within a tile, per-pixel noise, a cloud band, an elevation band, and on
 * some tiles a nodata strip.
 */
export function renderKelpScene(size: number, random: () => number): KelpScene {
  const pixels = size * size;
  const coast = valueNoise(size, Math.max(4, size / 3), random);
  const beds = valueNoise(size, Math.max(3, size / 25), random);
  const haze = valueNoise(size, Math.max(4, size / 2), random);
  const clouds = valueNoise(size, Math.max(4, size / 4), random);
  const angle = random() * Math.PI * 2;
  const landShare = random() < 0.2 ? -1 : 0.15 + random() * 0.35;
  const illumination = 0.6 + random() * 0.8;
  const classes = new Uint8Array(pixels);
  const distance = new Float32Array(pixels);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const p = y * size + x;
      const along = (x / size - 0.5) * Math.cos(angle) + (y / size - 0.5) * Math.sin(angle) + 0.5;
      distance[p] = along - landShare + (coast[p]! - 0.5) * 0.25;
      if (landShare > 0 && distance[p]! < 0) classes[p] = 1;
    }
  }
  // Kelp grows in a band of water near the shore (or anywhere when the tile has no land).
  for (let p = 0; p < pixels; p += 1) {
    if (classes[p] === 1) continue;
    const nearShore = landShare < 0 || distance[p]! < 0.18;
    if (nearShore && beds[p]! > 0.875) classes[p] = 2;
  }
  const strip = random() < 0.25 ? { from: Math.floor(random() * size * 0.8), width: Math.max(2, Math.floor(size * 0.05)) } : null;
  const bands = new Uint16Array(pixels * 7);
  for (let p = 0; p < pixels; p += 1) {
    const x = p % size;
    if (strip && x >= strip.from && x < strip.from + strip.width) continue;
    const signature = signatures[classes[p]!]!;
    const light = illumination * (0.8 + 0.4 * haze[p]!);
    for (let b = 0; b < 5; b += 1) {
      const noise = 1 + (random() + random() + random() - 1.5) * 0.12;
      bands[p * 7 + b] = Math.max(1, Math.min(65535, Math.round(signature[b]! * light * noise)));
    }
    bands[p * 7 + 5] = clouds[p]! > 0.85 ? 1 + Math.round((clouds[p]! - 0.85) * 60) : 1;
    bands[p * 7 + 6] = classes[p] === 1 ? 1000 + Math.round(-distance[p]! * 400 + random() * 5) : 1000;
  }
  return { bands, classes };
}

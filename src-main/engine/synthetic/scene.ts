import { valueNoise } from './noise';

/** Class indices of the sample preset, in its order. */
const sampleClass = { bare: 0, crop: 1, forest: 2, water: 3, road: 4, building: 5 } as const;

interface Scene {
  /** [size*size] class index per pixel. */
  classes: Uint8Array;
  /** [size*size*3] RGB. */
  image: Uint8Array;
}

type Rgb = [number, number, number];

/**
 * Draws one synthetic aerial tile: bare land, crop parcels with row stripes, forest from
 * thresholded noise, sometimes a river or a lake, roads, and small buildings along them, then
 * paints textures, shadows, uneven light and sensor noise. Roads and buildings come out rare
 * (a few percent of pixels) as in real land cover.
 */
export function renderScene(size: number, random: () => number): Scene {
  const classes = new Uint8Array(size * size);
  const cropTone = new Uint8Array(size * size);
  const pick = (lo: number, hi: number): number => lo + random() * (hi - lo);
  const set = (x: number, y: number, value: number): void => {
    if (x >= 0 && y >= 0 && x < size && y < size) classes[y * size + x] = value;
  };

  const parcels = 3 + Math.floor(random() * 5);
  for (let p = 0; p < parcels; p += 1) {
    const w = Math.round(pick(0.12, 0.45) * size);
    const h = Math.round(pick(0.12, 0.45) * size);
    const x0 = Math.round(pick(-0.1, 0.9) * size);
    const y0 = Math.round(pick(-0.1, 0.9) * size);
    const tone = 1 + (p % 3);
    for (let y = y0; y < y0 + h; y += 1) {
      for (let x = x0; x < x0 + w; x += 1) {
        if (x < 0 || y < 0 || x >= size || y >= size) continue;
        classes[y * size + x] = sampleClass.crop;
        cropTone[y * size + x] = tone;
      }
    }
  }

  const forestNoise = valueNoise(size, size / 5, random);
  const detail = valueNoise(size, size / 18, random);
  const threshold = pick(0.56, 0.72);
  for (let i = 0; i < classes.length; i += 1) {
    if (classes[i] === sampleClass.bare && forestNoise[i]! * 0.75 + detail[i]! * 0.25 > threshold) {
      classes[i] = sampleClass.forest;
    }
  }

  const waterRoll = random();
  if (waterRoll < 0.4) {
    const vertical = random() < 0.5;
    const base = pick(0.2, 0.8) * size;
    const amplitude = pick(0.05, 0.15) * size;
    const period = pick(0.3, 0.8) * size;
    const phase = pick(0, Math.PI * 2);
    const half = pick(3, 8);
    for (let t = 0; t < size; t += 1) {
      const centre = base + amplitude * Math.sin((t / period) * Math.PI * 2 + phase);
      for (let o = Math.floor(centre - half); o <= centre + half; o += 1) {
        if (vertical) set(o, t, sampleClass.water);
        else set(t, o, sampleClass.water);
      }
    }
  } else if (waterRoll < 0.6) {
    const cx = pick(0.2, 0.8) * size;
    const cy = pick(0.2, 0.8) * size;
    const rx = pick(0.08, 0.2) * size;
    const ry = pick(0.08, 0.2) * size;
    for (let y = 0; y < size; y += 1) {
      for (let x = 0; x < size; x += 1) {
        const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
        if (d < 1 + (detail[y * size + x]! - 0.5) * 0.6) classes[y * size + x] = sampleClass.water;
      }
    }
  }

  const roads: { vertical: boolean; at: number }[] = [];
  if (random() < 0.7) {
    const count = random() < 0.35 ? 2 : 1;
    for (let r = 0; r < count; r += 1) {
      const vertical = r === 0 ? random() < 0.5 : !roads[0]?.vertical;
      const at = Math.round(pick(0.15, 0.85) * size);
      const width = random() < 0.5 ? 3 : 4;
      roads.push({ vertical, at });
      for (let t = 0; t < size; t += 1) {
        for (let o = 0; o < width; o += 1) {
          if (vertical) set(at + o, t, sampleClass.road);
          else set(t, at + o, sampleClass.road);
        }
      }
    }
  }

  const buildings: { x: number; y: number; w: number; h: number; roof: Rgb }[] = [];
  const roofs: Rgb[] = [
    [178, 72, 60],
    [168, 168, 174],
    [122, 108, 96],
    [196, 120, 80],
  ];
  const wanted = roads.length > 0 && random() < 0.75 ? 6 + Math.floor(random() * 12) : random() < 0.2 ? 3 : 0;
  for (let b = 0; b < wanted; b += 1) {
    const w = 5 + Math.floor(random() * 7);
    const h = 5 + Math.floor(random() * 7);
    const road = roads[Math.floor(random() * roads.length)];
    const along = pick(0, size - w);
    const side = (random() < 0.5 ? -1 : 1) * pick(7, 16);
    const x = Math.round(road ? (road.vertical ? road.at + side : along) : pick(0, size - w));
    const y = Math.round(road ? (road.vertical ? along : road.at + side) : pick(0, size - h));
    const roof = roofs[Math.floor(random() * roofs.length)] ?? roofs[0]!;
    buildings.push({ x, y, w, h, roof });
    for (let yy = y; yy < y + h; yy += 1) for (let xx = x; xx < x + w; xx += 1) set(xx, yy, sampleClass.building);
  }

  return { classes, image: paint(size, classes, cropTone, buildings, random) };
}

function paint(
  size: number,
  classes: Uint8Array,
  cropTone: Uint8Array,
  buildings: readonly { x: number; y: number; w: number; h: number; roof: Rgb }[],
  random: () => number,
): Uint8Array {
  const image = new Uint8Array(size * size * 3);
  const light = valueNoise(size, size / 1.5, random);
  const grain = valueNoise(size, 6, random);
  const canopy = valueNoise(size, 3, random);
  const cropColours: Rgb[] = [
    [150, 170, 70],
    [196, 184, 96],
    [112, 150, 62],
    [170, 160, 80],
  ];
  const angle = random() * Math.PI;
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const roofAt = new Map<number, Rgb>();
  for (const b of buildings) {
    for (let y = b.y; y < b.y + b.h; y += 1) for (let x = b.x; x < b.x + b.w; x += 1) roofAt.set(y * size + x, b.roof);
  }
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const i = y * size + x;
      const g = grain[i]! - 0.5;
      let rgb: Rgb;
      switch (classes[i]) {
        case sampleClass.crop: {
          const base = cropColours[cropTone[i]! % cropColours.length]!;
          const stripe = 10 * Math.sin((x * ca + y * sa) * 1.6);
          rgb = [base[0] + stripe + g * 20, base[1] + stripe + g * 20, base[2] + stripe * 0.5];
          break;
        }
        case sampleClass.forest: {
          const c = (canopy[i]! - 0.5) * 50;
          rgb = [38 + c, 86 + c * 1.2, 44 + c * 0.6];
          break;
        }
        case sampleClass.water:
          rgb = [38 + g * 12, 78 + g * 14, 128 + g * 18];
          break;
        case sampleClass.road:
          rgb = [148 + g * 10, 148 + g * 10, 150 + g * 10];
          break;
        case sampleClass.building: {
          const roof = roofAt.get(i) ?? [170, 170, 170];
          rgb = [roof[0] + g * 8, roof[1] + g * 8, roof[2] + g * 8];
          break;
        }
        default:
          rgb = [196 + g * 36, 172 + g * 30, 128 + g * 24];
      }
      // Buildings cast a short shadow to the lower right.
      const shadowed = classes[i] !== sampleClass.building && (roofAt.has(i - 1 - size) || roofAt.has(i - 2 - 2 * size));
      const shade = (0.86 + 0.28 * light[i]!) * (shadowed ? 0.55 : 1);
      for (let c = 0; c < 3; c += 1) {
        const noise = (random() + random() - 1) * 14;
        image[i * 3 + c] = Math.max(0, Math.min(255, Math.round(rgb[c]! * shade + noise)));
      }
    }
  }
  return image;
}

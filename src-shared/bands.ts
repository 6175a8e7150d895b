import { z } from './zod';

/**
 * Multispectral images: what a GeoTIFF holds (bands, data type, nodata, georeferencing), which
 * channels a run feeds its model (a subset of bands plus index channels computed per pixel), and
 * the per-band statistics shown on the Statistics tab and used for normalisation.
 *
 * Bands are numbered from 1, as GDAL and QGIS number them ("b1".."bN").
 */

const bandDataTypes = ['uint8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'] as const;
export type BandDataType = (typeof bandDataTypes)[number];

/**
 * One GeoKey's value. geotiff.js hands a multi-valued double key over as a typed array, which
 * JSON writes as {"0": x, "1": y}: read back as the number list it was.
 */
const geoKeyValueSchema = z.union([z.number(), z.string(), z.array(z.number()), z.record(z.string(), z.number()).transform((values) => Object.values(values))]);

/** Where a raster lies: the CRS as GeoTIFF keys and the affine transform of its pixel grid. */
const georeferenceSchema = z.object({
  /** EPSG code of a projected or geographic CRS, when the file names one. */
  epsg: z.number().nullable(),
  /** Every GeoKey the file holds, as read (written back unchanged into predictions). */
  geoKeys: z.record(z.string(), geoKeyValueSchema),
  /** GDAL order: x0, pixel width, row rotation, y0, column rotation, pixel height (negative for north-up). */
  geotransform: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]),
});
export type Georeference = z.output<typeof georeferenceSchema>;

/** What indexing records of one GeoTIFF image (stored in images.raster as `info`). */
export const rasterInfoSchema = z.object({
  bands: z.number().int(),
  dataType: z.enum(bandDataTypes),
  nodata: z.number().nullable(),
  /** Band names from the file's GDAL metadata (DESCRIPTION), null where it has none. */
  names: z.array(z.string().nullable()),
  georeference: georeferenceSchema.nullable(),
  /** The last band is an alpha channel (TIFF ExtraSamples: associated or unassociated alpha); absent otherwise. */
  alpha: z.literal(true).optional(),
});
export type RasterInfo = z.output<typeof rasterInfoSchema>;

/**
 * An 8-bit RGB file, with or without an alpha band, is a picture: read through sharp like a JPEG
 * or PNG, its alpha band dropped. It is never multispectral and sets no dataset's bands.
 */
export function isRgbPicture(info: Pick<RasterInfo, 'bands' | 'dataType' | 'alpha'>): boolean {
  return info.dataType === 'uint8' && (info.bands === 3 || (info.bands === 4 && info.alpha === true));
}

/** "7 bands of uint16", "1 band of float32", "4 bands of uint8 (RGB + alpha)". */
export function describeBands(info: Pick<RasterInfo, 'bands' | 'dataType' | 'alpha'>): string {
  const count = `${info.bands} band${info.bands === 1 ? '' : 's'} of ${info.dataType}`;
  if (!info.alpha) return count;
  return `${count} (${info.bands === 4 ? 'RGB' : `${info.bands - 1} band${info.bands === 2 ? '' : 's'}`} + alpha)`;
}

/** The band layout of a multispectral dataset: every image must match it. */
export interface BandLayout {
  bands: number;
  dataType: BandDataType;
  /** One name a band: the user's, else the file's, else b1..bN. */
  names: string[];
}

export function defaultBandNames(info: Pick<RasterInfo, 'bands' | 'names'>): string[] {
  return Array.from({ length: info.bands }, (_, b) => info.names[b]?.trim() || `b${b + 1}`);
}

/**
 * Why an image cannot join a dataset of `layout`, or null when it matches. `info` is null for a
 * picture sharp read (JPEG, PNG, 8-bit RGB TIFF).
 */
export function layoutMismatch(layout: Pick<BandLayout, 'bands' | 'dataType'>, info: Pick<RasterInfo, 'bands' | 'dataType' | 'alpha'> | null): string | null {
  const rule = `but the dataset's images have ${describeBands(layout)}; every image of a dataset must have the same bands`;
  if (!info) return `it is a picture, read as RGB (3 bands of uint8), ${rule}`;
  if (isRgbPicture(info)) return `it has ${describeBands(info)}: a picture, read as RGB${info.alpha ? ' with its alpha band dropped' : ''}, ${rule}`;
  if (info.bands !== layout.bands || info.dataType !== layout.dataType) return `it has ${describeBands(info)}, ${rule}`;
  return null;
}

const indexKinds = ['normalized-difference', 'ratio'] as const;
export type IndexKind = (typeof indexKinds)[number];

const bandNumber = z.number().int().min(1).max(64);

const indexChannelSchema = z.strictObject({
  name: z.string().trim().min(1).max(24).describe('Name of the index channel (NDVI, NDWI, your own).'),
  kind: z.enum(indexKinds).describe('normalized-difference: (A - B) / (A + B), in [-1, 1]; ratio: A / B.'),
  a: bandNumber.describe('Band A, by its 1-based number in the file.'),
  b: bandNumber.describe('Band B, by its 1-based number in the file.'),
});
export type IndexChannel = z.output<typeof indexChannelSchema>;

/** The model's input channels for a multispectral dataset: bands in this order, then indices. */
export const inputChannelsSchema = z
  .strictObject({
    bands: z.array(bandNumber).max(64).default([]).describe('Bands the model takes, by their 1-based numbers in the file, in this order, each once.'),
    indices: z.array(indexChannelSchema).max(16).default([]).describe('Index channels computed from the raw band values, after the bands.'),
  })
  .refine((c) => c.bands.length + c.indices.length > 0, { message: 'choose at least one band or index channel' })
  .refine((c) => new Set(c.bands).size === c.bands.length, { message: 'a band is listed twice' });
export type InputChannels = z.output<typeof inputChannelsSchema>;

export function channelCount(channels: InputChannels | null | undefined): number {
  return channels ? channels.bands.length + channels.indices.length : 3;
}

/** A problem with `channels` on a dataset of `bandCount` bands, or null. */
export function channelsProblem(channels: InputChannels, bandCount: number): string | null {
  const used = [...channels.bands, ...channels.indices.flatMap((i) => [i.a, i.b])];
  const bad = used.find((b) => b > bandCount);
  if (bad !== undefined) return `band ${bad} does not exist: the dataset's images have bands 1 to ${bandCount}`;
  const same = channels.indices.find((i) => i.a === i.b);
  if (same) return `index ${same.name} uses band ${same.a} twice; its two bands must differ`;
  return null;
}

/**
 * Band names to look for when a preset index fills in its bands (lower case, first match wins):
 * plain words, Sentinel-2's B04-style names and Landsat 8's SR_B4-style names. The generic
 * b1..bN SegBench gives unnamed bands match nothing, so they are never guessed at.
 */
const bandAliases: Record<'red' | 'green' | 'blue' | 'nir' | 'swir', string[]> = {
  red: ['red', 'r', 'b04', 'sr_b4'],
  green: ['green', 'g', 'b03', 'sr_b3'],
  blue: ['blue', 'b', 'b02', 'sr_b2'],
  nir: ['nir', 'near infrared', 'near-infrared', 'b08', 'sr_b5'],
  swir: ['swir', 'swir1', 'short-wave infrared', 'shortwave infrared', 'b11', 'sr_b6'],
};

/** The band number whose name means `role` (red, nir...), or null. */
function bandForRole(names: readonly string[], role: keyof typeof bandAliases): number | null {
  const lower = names.map((n) => n.trim().toLowerCase());
  for (const alias of bandAliases[role]) {
    const at = lower.indexOf(alias);
    if (at >= 0) return at + 1;
  }
  return null;
}

/** NDVI = (NIR - Red) / (NIR + Red) and NDWI = (Green - NIR) / (Green + NIR), from the band names; null where a band is not found. */
export function presetIndices(names: readonly string[]): { ndvi: IndexChannel | null; ndwi: IndexChannel | null } {
  const nir = bandForRole(names, 'nir');
  const red = bandForRole(names, 'red');
  const green = bandForRole(names, 'green');
  return {
    ndvi: nir && red ? { name: 'NDVI', kind: 'normalized-difference', a: nir, b: red } : null,
    ndwi: green && nir ? { name: 'NDWI', kind: 'normalized-difference', a: green, b: nir } : null,
  };
}

/** The bands shown as red, green and blue by default: named RGB when present, else the first three. */
export function trueColourBands(names: readonly string[]): [number, number, number] {
  const r = bandForRole(names, 'red');
  const g = bandForRole(names, 'green');
  const b = bandForRole(names, 'blue');
  if (r && g && b) return [r, g, b];
  const n = names.length;
  return [1, Math.min(2, n), Math.min(3, n)];
}

/** False colour NIR-R-G (vegetation red), or null without a NIR band. */
export function falseColourBands(names: readonly string[]): [number, number, number] | null {
  const nir = bandForRole(names, 'nir');
  const [r, g] = trueColourBands(names);
  return nir ? [nir, r, g] : null;
}

/** Every channel's name, in the model's order. */
export function channelNames(channels: InputChannels, bandNames: readonly string[]): string[] {
  return [...channels.bands.map((b) => bandNames[b - 1] ?? `b${b}`), ...channels.indices.map((i) => i.name)];
}

/** An index's value from its two band values; 0 where it is undefined (A + B = 0, B = 0). */
export function indexValue(kind: IndexKind, a: number, b: number): number {
  if (kind === 'normalized-difference') {
    const sum = a + b;
    return sum === 0 ? 0 : (a - b) / sum;
  }
  return b === 0 ? 0 : a / b;
}

/** The formula as people write it. */
export function indexFormula(index: IndexChannel, bandNames: readonly string[]): string {
  const a = bandNames[index.a - 1] ?? `b${index.a}`;
  const b = bandNames[index.b - 1] ?? `b${index.b}`;
  return index.kind === 'normalized-difference' ? `(${a} - ${b}) / (${a} + ${b})` : `${a} / ${b}`;
}

/**
 * The model's input from a raster's bands (`bands[b - 1]` is band b, [height * width] each):
 * interleaved [pixels * channels] float32, the chosen bands first, then each index channel. A
 * pixel where any band holds `nodata` (or is not finite) is marked invalid; its channels are 0
 * here and the training label there is ignored.
 */
export function assembleChannels(
  bands: readonly ArrayLike<number>[],
  pixels: number,
  nodata: number | null,
  channels: InputChannels,
): { data: Float32Array; valid: Uint8Array; invalid: number } {
  const c = channelCount(channels);
  const data = new Float32Array(pixels * c);
  const valid = new Uint8Array(pixels).fill(1);
  let invalid = 0;
  for (const band of bands) {
    for (let p = 0; p < pixels; p += 1) {
      const v = band[p]!;
      if (valid[p] && (v === nodata || !Number.isFinite(v))) {
        valid[p] = 0;
        invalid += 1;
      }
    }
  }
  const band = (n: number): ArrayLike<number> => {
    const found = bands[n - 1];
    if (!found) throw new Error(`band ${n} does not exist: the image has ${bands.length} band(s)`);
    return found;
  };
  channels.bands.forEach((n, k) => {
    const source = band(n);
    for (let p = 0; p < pixels; p += 1) if (valid[p]) data[p * c + k] = source[p]!;
  });
  channels.indices.forEach((index, i) => {
    const k = channels.bands.length + i;
    const a = band(index.a);
    const b = band(index.b);
    for (let p = 0; p < pixels; p += 1) if (valid[p]) data[p * c + k] = indexValue(index.kind, a[p]!, b[p]!);
  });
  return { data, valid, invalid };
}

export function parseBandLayout(json: string | null | undefined): BandLayout | null {
  return json ? (JSON.parse(json) as BandLayout) : null;
}

/** A band by its name (any case) or number ("NIR", "b2", "2"). */
function bandByName(text: string, names: readonly string[]): number {
  const t = text.trim();
  const at = names.findIndex((n) => n.toLowerCase() === t.toLowerCase());
  if (at >= 0) return at + 1;
  const number = /^b?(\d+)$/i.exec(t);
  if (number && Number(number[1]) >= 1 && Number(number[1]) <= names.length) return Number(number[1]);
  throw new Error(`no band "${t}"; the bands are ${names.map((n, i) => `${i + 1} ${n}`).join(', ')}`);
}

/**
 * Input channels from the CLI's words: `bands` a comma list of band names or numbers (empty: every
 * band), `indices` each "NDVI", "NDWI", "NAME=(A-B)/(A+B)" or "NAME=A/B" with band names or numbers.
 */
export function channelsFromText(bands: string | undefined, indices: readonly string[], names: readonly string[]): InputChannels {
  const chosen =
    bands === undefined || bands.trim() === ''
      ? names.map((_, i) => i + 1)
      : bands
          .split(',')
          .filter((s) => s.trim())
          .map((s) => bandByName(s, names));
  const presets = presetIndices(names);
  const parsed = indices.map((text): IndexChannel => {
    const t = text.trim();
    const preset = t.toLowerCase() === 'ndvi' ? presets.ndvi : t.toLowerCase() === 'ndwi' ? presets.ndwi : undefined;
    if (preset !== undefined) {
      if (!preset)
        throw new Error(
          `${t.toUpperCase()} needs bands named NIR and ${t.toLowerCase() === 'ndvi' ? 'Red' : 'Green'}; name them, or write it as ${t.toUpperCase()}=(A-B)/(A+B)`,
        );
      return preset;
    }
    const formula = /^([^=]+)=\s*\(\s*([^-()+]+?)\s*-\s*([^-()+]+?)\s*\)\s*\/\s*\(\s*([^-()+]+?)\s*\+\s*([^-()+]+?)\s*\)\s*$/.exec(t);
    if (formula) {
      const [, name, a, b, a2, b2] = formula;
      if (a!.toLowerCase() !== a2!.toLowerCase() || b!.toLowerCase() !== b2!.toLowerCase())
        throw new Error(`"${t}": a normalised difference is (A-B)/(A+B) with the same A and B`);
      return { name: name!.trim(), kind: 'normalized-difference', a: bandByName(a!, names), b: bandByName(b!, names) };
    }
    const ratio = /^([^=]+)=\s*([^/()]+?)\s*\/\s*([^/()]+?)\s*$/.exec(t);
    if (ratio) return { name: ratio[1]!.trim(), kind: 'ratio', a: bandByName(ratio[2]!, names), b: bandByName(ratio[3]!, names) };
    throw new Error(`"${t}" is not an index: write NDVI, NDWI, NAME=(A-B)/(A+B) or NAME=A/B with band names or numbers`);
  });
  return inputChannelsSchema.parse({ bands: chosen, indices: parsed });
}

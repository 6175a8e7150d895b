import { rename, stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type * as GeoTiffModule from 'geotiff';
import type { GeoTIFF, GeoTIFFImage, GeotiffWriterMetadata, TypedArray } from 'geotiff';
import { defaultBandNames, isRgbPicture, trueColourBands } from '../../src-shared/bands';
import { percentileRange, stretchComposite } from '../../src-shared/band-stats';
import type { BandDataType, Georeference, RasterInfo } from '../../src-shared/bands';

/**
 * GeoTIFF files through geotiff.js, for both the engine (training, prediction, indexing) and main
 * (the viewer's composites): what a file holds, its bands as typed arrays, and predictions written
 * back with the source's georeferencing. geotiff.js does the decoding (strips, tiles, LZW,
 * Deflate, Zstd, every sample format); nothing here parses TIFF.
 */

let loaded: typeof GeoTiffModule | undefined;

/**
 * geotiff.js, loaded on first use. It loads the web-worker package for its optional decoder pool,
 * and in a worker thread (a compute worker scoring validation images) that package takes itself
 * for a pool worker and throws while loading unless a global Worker exists. SegBench never makes
 * a pool, so a placeholder Worker is in place while geotiff.js loads there, then removed.
 */
function geotiff(): typeof GeoTiffModule {
  if (loaded) return loaded;
  const scope = globalThis as { Worker?: unknown };
  const placeholder = !isMainThread && typeof scope.Worker !== 'function';
  if (placeholder) {
    scope.Worker = class {
      constructor() {
        throw new Error('geotiff.js decoder pools are not used by SegBench');
      }
    };
  }
  try {
    // Loaded at run time (see above), as the project's other run-time packages are.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('geotiff') as typeof GeoTiffModule;
  } finally {
    if (placeholder) delete scope.Worker;
  }
  // geotiff.js reads GDAL_METADATA but its writer has no type for the tag; it is ASCII (XML).
  const fieldTagTypes = (loaded.globals as unknown as { fieldTagTypes: Record<number, string> }).fieldTagTypes;
  fieldTagTypes[42112] ??= 'ASCII';
  return loaded;
}

export function isTiff(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === '.tif' || ext === '.tiff';
}

function dataTypeOf(image: GeoTIFFImage): BandDataType {
  const bits = image.getBitsPerSample(0);
  const format = image.getSampleFormat(0);
  if (format === 3) return bits === 64 ? 'float64' : 'float32';
  if (format === 2) return bits === 8 ? 'int16' : bits === 16 ? 'int16' : 'int32';
  return bits <= 8 ? 'uint8' : bits <= 16 ? 'uint16' : 'uint32';
}

function georeferenceOf(image: GeoTIFFImage): Georeference | null {
  const dir = image.getFileDirectory();
  const transform = dir.getValue('ModelTransformation') as number[] | undefined;
  const tie = dir.getValue('ModelTiepoint') as number[] | undefined;
  const scale = dir.getValue('ModelPixelScale') as number[] | undefined;
  let geotransform: Georeference['geotransform'];
  if (transform && transform.length >= 8) {
    geotransform = [transform[3]!, transform[0]!, transform[1]!, transform[7]!, transform[4]!, transform[5]!];
  } else if (tie && tie.length >= 6 && scale && scale.length >= 2) {
    // The tie point maps raster (I, J) to model (X, Y); the transform starts at raster (0, 0).
    geotransform = [tie[3]! - tie[0]! * scale[0]!, scale[0]!, 0, tie[4]! + tie[1]! * scale[1]!, 0, -scale[1]!];
  } else {
    return null;
  }
  const keys = (image.getGeoKeys() ?? {}) as Record<string, number | string | number[]>;
  const epsg = Number(keys.ProjectedCSTypeGeoKey ?? keys.GeographicTypeGeoKey);
  return { epsg: Number.isInteger(epsg) && epsg > 0 && epsg < 32767 ? epsg : null, geoKeys: keys, geotransform };
}

/** Whether the last band is alpha: ExtraSamples 1 (associated) or 2 (unassociated alpha); 0 is unspecified data. */
async function hasAlpha(image: GeoTIFFImage): Promise<boolean> {
  const dir = image.getFileDirectory();
  if (!dir.hasTag('ExtraSamples')) return false;
  const extra = (await dir.loadValue('ExtraSamples')) as number | ArrayLike<number> | undefined;
  const last = typeof extra === 'number' ? extra : extra?.[extra.length - 1];
  return last === 1 || last === 2;
}

async function bandNamesOf(image: GeoTIFFImage, bands: number): Promise<(string | null)[]> {
  const names: (string | null)[] = [];
  for (let b = 0; b < bands; b += 1) {
    const meta = await image.getGDALMetadata(b).catch(() => null);
    const name = meta?.DESCRIPTION ?? meta?.description ?? null;
    names.push(typeof name === 'string' && name.trim() ? name.trim() : null);
  }
  return names;
}

/**
 * A TIFF cut short (a copy or download that stopped). geotiff.js reads the bytes past the end of
 * the file as zeros, so without this check a truncated tile would index and train as a good one.
 */
export class TruncatedTiffError extends Error {}

/** The largest of `offsets[i] + counts[i]` over the parts with data (a sparse file's empty parts have count 0). */
function endOfParts(offsets: ArrayLike<number | bigint> | undefined, counts: ArrayLike<number | bigint> | undefined): number {
  let end = 0;
  if (!offsets || !counts) return end;
  for (let i = 0; i < Math.min(offsets.length, counts.length); i += 1) {
    const count = Number(counts[i]);
    if (count > 0) end = Math.max(end, Number(offsets[i]) + count);
  }
  return end;
}

/**
 * Opens a TIFF's first image, refusing a file that ends before its directory or before the last
 * byte of its strips or tiles (StripOffsets + StripByteCounts, TileOffsets + TileByteCounts).
 */
async function openImage(tiff: GeoTIFF, path: string): Promise<GeoTIFFImage> {
  const size = (await stat(path)).size;
  if (tiff.firstIFDOffset >= size) {
    throw new TruncatedTiffError(`the file is truncated: it ends at byte ${size}, its file directory starts at byte ${tiff.firstIFDOffset}`);
  }
  const image = await tiff.getImage();
  const dir = image.getFileDirectory();
  const tiled = dir.hasTag('TileOffsets');
  const offsets = (await dir.loadValue(tiled ? 'TileOffsets' : 'StripOffsets')) as ArrayLike<number | bigint> | undefined;
  const counts = (await dir.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts')) as ArrayLike<number | bigint> | undefined;
  const end = endOfParts(offsets, counts);
  if (end > size) throw new TruncatedTiffError(`the file is truncated: it ends at byte ${size}, its image data needs ${end} bytes`);
  return image;
}

interface RasterFile {
  width: number;
  height: number;
  info: RasterInfo;
  /** One typed array a band, [height * width]; only when read with `bands: true`. */
  bands: TypedArray[];
}

/** Opens a GeoTIFF: its description always, its pixels (every band, or `only` these 1-based bands) when asked. */
export async function readGeoTiff(path: string, options: { pixels?: boolean; only?: readonly number[] } = {}): Promise<RasterFile> {
  const tiff = await geotiff().fromFile(path);
  try {
    const image = await openImage(tiff, path);
    const bands = image.getSamplesPerPixel();
    const info: RasterInfo = {
      bands,
      dataType: dataTypeOf(image),
      nodata: image.getGDALNoData(),
      names: await bandNamesOf(image, bands),
      georeference: georeferenceOf(image),
      ...((await hasAlpha(image)) && { alpha: true as const }),
    };
    let data: TypedArray[] = [];
    if (options.pixels) {
      const samples = options.only ? options.only.map((b) => b - 1) : undefined;
      const read = (await image.readRasters(samples ? { samples } : {})) as unknown as TypedArray[];
      data = Array.from(read);
    }
    return { width: image.getWidth(), height: image.getHeight(), info, bands: data };
  } finally {
    await tiff.close();
  }
}

const writerTypes: Record<'uint8' | 'uint16' | 'float32', { bits: number; format: number }> = {
  uint8: { bits: 8, format: 1 },
  uint16: { bits: 16, format: 1 },
  float32: { bits: 32, format: 3 },
};

/**
 * Writes bands (interleaved, [height * width * bands]) as a GeoTIFF carrying `georeference` (the
 * source's CRS keys and transform, unchanged), band names and nodata; through a temp name. The
 * georeference is required: geotiff.js's writer places a file without one over the whole globe
 * in WGS 84, which would be a wrong place, not none.
 */
export async function writeGeoTiff(
  path: string,
  values: Uint8Array | Uint16Array | Float32Array,
  raster: { width: number; height: number; bands: number; georeference: Georeference; nodata?: number | null; names?: readonly string[] },
): Promise<void> {
  const type = values instanceof Float32Array ? writerTypes.float32 : values instanceof Uint16Array ? writerTypes.uint16 : writerTypes.uint8;
  const { width, height, bands, georeference } = raster;
  const metadata: GeotiffWriterMetadata & Record<string, unknown> = {
    width,
    height,
    SamplesPerPixel: bands,
    BitsPerSample: new Array<number>(bands).fill(type.bits),
    SampleFormat: new Array<number>(bands).fill(type.format),
    PlanarConfiguration: 1,
    PhotometricInterpretation: 1,
  };
  if (bands > 1) metadata.ExtraSamples = new Array<number>(bands - 1).fill(0);
  const [x0, sx, rx, y0, ry, sy] = georeference.geotransform;
  if (rx === 0 && ry === 0) {
    metadata.ModelPixelScale = [sx, -sy, 0];
    metadata.ModelTiepoint = [0, 0, 0, x0, y0, 0];
  } else {
    metadata.ModelTransformation = [sx, rx, 0, x0, ry, sy, 0, y0, 0, 0, 0, 0, 0, 0, 0, 1];
  }
  for (const [key, value] of Object.entries(georeference.geoKeys)) metadata[key] = value;
  if (raster.nodata !== null && raster.nodata !== undefined) metadata.GDAL_NODATA = String(raster.nodata);
  if (raster.names?.length) {
    const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const items = raster.names.map((name, b) => `<Item name="DESCRIPTION" sample="${b}" role="description">${escape(name)}</Item>`).join('');
    metadata.GDAL_METADATA = `<GDALMetadata>${items}</GDALMetadata>`;
  }
  const buffer = geotiff().writeArrayBuffer(values, metadata);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, Buffer.from(buffer));
  await rename(temp, path);
}

/** Every band's value at pixel (x, y), read through a one-pixel window. */
export async function readGeoTiffPixel(path: string, x: number, y: number): Promise<{ values: number[]; nodata: number | null }> {
  const tiff = await geotiff().fromFile(path);
  try {
    const image = await openImage(tiff, path);
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= image.getWidth() || y >= image.getHeight()) {
      throw new RangeError(`pixel (${x}, ${y}) is outside the ${image.getWidth()}x${image.getHeight()} image`);
    }
    const read = (await image.readRasters({ window: [x, y, x + 1, y + 1] })) as unknown as TypedArray[];
    return { values: Array.from(read, (band) => band[0]!), nodata: image.getGDALNoData() };
  } finally {
    await tiff.close();
  }
}

/**
 * A multispectral GeoTIFF (not 8-bit RGB, with or without alpha) as true-colour RGB bytes: the bands named Red,
 * Green, Blue (else the first three), each stretched from its 2nd to 98th percentile. Null for
 * files that are not such GeoTIFFs (sharp reads those as they are; it refuses more than four bands).
 * Throws `TruncatedTiffError` for a TIFF cut short, whatever it holds.
 */
export async function trueColourOf(
  path: string,
  /** Called with the image's size before its pixels are read: throws to refuse an image too large. */
  checkSize?: (width: number, height: number) => void,
): Promise<{ rgb: Uint8Array; width: number; height: number; file: RasterFile } | null> {
  if (!isTiff(path)) return null;
  // A TIFF geotiff.js cannot read may still be a picture sharp reads; a truncated one is neither.
  const head = await readGeoTiff(path).catch((error: unknown) => {
    if (error instanceof TruncatedTiffError) throw error;
    return null;
  });
  if (!head || isRgbPicture(head.info)) return null;
  checkSize?.(head.width, head.height);
  const file = await readGeoTiff(path, { pixels: true });
  const { width, height, info } = file;
  const picked = trueColourBands(defaultBandNames(info)).map((n) => file.bands[n - 1]!) as [TypedArray, TypedArray, TypedArray];
  const rgb = stretchComposite(
    picked,
    picked.map((band) => percentileRange(band, info.nodata)),
    width * height,
    info.nodata,
  );
  return { rgb, width, height, file };
}

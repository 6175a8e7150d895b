import { open, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FileStamp, IndexItem, IndexedImage } from '../../../src-shared/indexing';
import { maxMaskValues } from '../../../src-shared/indexing';
import { countMaskValues } from '../../../src-shared/mask-values';
import { bandSums } from '../../../src-shared/band-stats';
import type { BandSums } from '../../../src-shared/band-stats';
import { isTiff, readGeoTiff, trueColourOf, TruncatedTiffError } from '../../geotiff/geotiff-io';
import { maxImagePixels, oversize } from '../data/decode';

async function stampOf(path: string): Promise<FileStamp | null> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** Writes via a temp name and rename, so a reader never sees half a thumbnail. */
async function writeAtomic(path: string, data: Buffer): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

/**
 * A GeoTIFF that is not plain 8-bit RGB (more or fewer bands than three, or 16-bit, signed or
 * float samples) is a multispectral image: read through geotiff.js, with per-band sums and a
 * sample of values for the dataset's statistics, and a true-colour thumbnail with a 2-98%
 * stretch. Null for anything sharp reads as an ordinary picture.
 */
async function readMultispectral(
  path: string,
  thumbSize: number,
  limit: number,
): Promise<{ width: number; height: number; thumbnail: Buffer; raster: NonNullable<Extract<IndexedImage, { ok: true }>['raster']> } | null> {
  const colour = await trueColourOf(path, (width, height) => {
    const problem = oversize(width, height, limit, 'import');
    if (problem) throw new TooLargeError(`The image ${path} ${problem}`);
  });
  if (!colour) return null;
  const { width, height, rgb, file } = colour;
  const sums: BandSums[] = [];
  const samples: number[][] = [];
  for (const band of file.bands) {
    const { sums: s, sample } = bandSums(band, file.info.nodata);
    sums.push(s);
    samples.push(Array.from(sample));
  }
  const thumbnail = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 }, limitInputPixels: limit })
    .resize({ width: thumbSize, height: thumbSize, fit: 'inside' })
    .jpeg({ quality: 80 })
    .toBuffer();
  return { width, height, thumbnail, raster: { info: file.info, sums, samples } };
}

/** An image or mask over the pixel limit: its message is the whole problem, with what to do. */
class TooLargeError extends Error {}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
}

const signatures: [string, number[]][] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
  ['TIFF', [0x49, 0x49, 0x2b, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2b]],
];

/** The format a file's first bytes say it is, whatever its name says; null for none SegBench reads. */
async function formatOf(path: string): Promise<string | null> {
  const head = Buffer.alloc(4);
  const file = await open(path, 'r').catch(() => null);
  if (!file) return null;
  try {
    await file.read(head, 0, 4, 0);
  } finally {
    await file.close();
  }
  return signatures.find(([, bytes]) => bytes.every((b, i) => head[i] === b))?.[0] ?? null;
}

/**
 * Why a file did not decode, in plain words: the format its bytes start with and that it is
 * truncated or corrupt, with the decoder's own text in brackets (libvips's 'vipspng: libpng read
 * error', or its bare 'Unknown error', alone told a person nothing).
 */
async function decodeFailure(path: string, error: unknown): Promise<string> {
  if (error instanceof TruncatedTiffError) return error.message;
  const said = reason(error).replace(/:$/, '');
  const detail = !said || /^unknown error$/i.test(said) ? 'the decoder gave no reason' : said;
  const format = await formatOf(path);
  if (format) return `the ${format} file is truncated or corrupt (${detail})`;
  return `it is not a PNG, JPEG or TIFF file: its first bytes are none of theirs (${detail})`;
}

/**
 * Indexes one pair: checks both files decode, reads the image size, counts the mask's values,
 * and writes a JPEG thumbnail of the image and a nearest-neighbour PNG thumbnail of the mask.
 * Every failure becomes a problem record; nothing here throws.
 */
export async function indexImage(item: IndexItem, thumbDir: string, thumbSize: number): Promise<IndexedImage> {
  const [imageStamp, maskStamp] = await Promise.all([stampOf(item.imagePath), stampOf(item.maskPath)]);
  const fail = (problem: Extract<IndexedImage, { ok: false }>['problem'], message: string): IndexedImage => ({
    imageId: item.imageId,
    ok: false,
    problem,
    message,
    imageStamp,
    maskStamp,
  });
  if (!imageStamp) return fail('missing-file', `The image ${item.imagePath} no longer exists or is not a file.`);
  if (!maskStamp) return fail('missing-file', `The mask ${item.maskPath} no longer exists or is not a file.`);

  // Images (and masks) over the limit are refused with the limit and how to raise it, before
  // sharp refuses them in its own words ("Input image exceeds pixel limit").
  const limit = maxImagePixels();
  const tooLarge = async (path: string, what: 'image' | 'mask'): Promise<void> => {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    const problem = oversize(meta.width ?? 0, meta.height ?? 0, limit, 'import');
    if (problem) throw new TooLargeError(`The ${what} ${path} ${problem}`);
  };

  let width: number;
  let height: number;
  let thumbnail: Buffer;
  let raster: Extract<IndexedImage, { ok: true }>['raster'];
  try {
    const multispectral = await readMultispectral(item.imagePath, thumbSize, limit);
    if (multispectral) {
      ({ width, height, thumbnail } = multispectral);
      raster = multispectral.raster;
    } else {
      await tooLarge(item.imagePath, 'image');
      const image = sharp(item.imagePath, { failOn: 'truncated', limitInputPixels: limit });
      const meta = await image.metadata();
      width = meta.width ?? 0;
      height = meta.height ?? 0;
      let pipeline = image.clone().resize({ width: thumbSize, height: thumbSize, fit: 'inside' });
      // 16-bit imagery (satellite TIFFs) is mostly dark in the low range: stretch it to be seen.
      if (meta.depth === 'ushort') pipeline = pipeline.normalise();
      thumbnail = await pipeline.removeAlpha().toColourspace('srgb').jpeg({ quality: 80 }).toBuffer();
      // An RGB + alpha TIFF is a picture whose alpha is dropped: its four bands are recorded, to say so.
      const head = isTiff(item.imagePath) && meta.hasAlpha ? await readGeoTiff(item.imagePath).catch(() => null) : null;
      if (head?.info.alpha) raster = { info: head.info, sums: [], samples: [] };
    }
  } catch (error) {
    if (error instanceof TooLargeError) return fail('unreadable-image', error.message);
    return fail('unreadable-image', `Cannot decode the image ${item.imagePath}: ${await decodeFailure(item.imagePath, error)}`);
  }

  let mask: { data: Uint8Array | Uint16Array; width: number; height: number; channels: number };
  const maskPath = item.revisionPath ?? item.maskPath;
  try {
    await tooLarge(maskPath, 'mask');
    const meta = await sharp(maskPath, { limitInputPixels: limit }).metadata();
    // Greyscale masks hold class indices. sharp's raw output expands grey to three channels, which
    // would turn index 3 into the colour (3,3,3): take the one channel as it is stored.
    const grey = (meta.channels ?? 0) <= 2;
    const sixteenBit = grey && meta.depth === 'ushort';
    const decoder = sharp(maskPath, { failOn: 'truncated', limitInputPixels: limit });
    const { data, info } = await (grey ? decoder.extractChannel(0) : decoder).raw(sixteenBit ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const pixels = sixteenBit
      ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    mask = { data: pixels, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    if (error instanceof TooLargeError) return fail('unreadable-mask', error.message);
    return fail('unreadable-mask', `Cannot decode the mask ${maskPath}: ${await decodeFailure(maskPath, error)}`);
  }
  if (mask.width !== width || mask.height !== height) {
    return fail('size-mismatch', `The mask is ${mask.width}x${mask.height} but the image is ${width}x${height}; a mask must have the image's size.`);
  }
  const counts = countMaskValues(mask.data, mask.channels, maxMaskValues);
  if (!counts) {
    return fail(
      'not-a-class-mask',
      `The mask has more than ${maxMaskValues} distinct values: it looks like a photo or a JPEG-compressed mask, not class labels.`,
    );
  }
  const maskThumb = await sharp(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength), {
    raw: { width: mask.width, height: mask.height, channels: mask.channels as 1 | 2 | 3 | 4 },
    limitInputPixels: limit,
  })
    .resize({ width: thumbSize, height: thumbSize, fit: 'inside', kernel: 'nearest' })
    .png({ compressionLevel: 3 })
    .toBuffer();
  await Promise.all([writeAtomic(join(thumbDir, `${item.imageId}.jpg`), thumbnail), writeAtomic(join(thumbDir, `${item.imageId}.mask.png`), maskThumb)]);
  return {
    imageId: item.imageId,
    ok: true,
    width,
    height,
    imageStamp,
    maskStamp,
    maskKind: mask.channels >= 3 ? 'rgb' : 'index',
    values: [...counts.entries()].sort((a, b) => a[0] - b[0]),
    ...(raster && { raster }),
  };
}

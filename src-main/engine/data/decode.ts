import sharp from 'sharp';
import { assembleChannels, channelCount } from '../../../src-shared/bands';
import type { Georeference, InputChannels } from '../../../src-shared/bands';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { isTiff, readGeoTiff } from '../../geotiff/geotiff-io';

/** An image's pixels, interleaved: RGB bytes, or a multispectral run's float channels. */
export type Pixels = Uint8Array | Float32Array;

interface DecodedImage {
  data: Pixels;
  width: number;
  height: number;
  channels: number;
  /** Multispectral only: 0 where a band holds nodata (the label there is ignored). */
  valid?: Uint8Array;
  /** Multispectral only: where the GeoTIFF lies (null when it has no georeferencing). */
  georeference?: Georeference | null;
}

/** A decoded training pair: the image's channels and one training label per pixel (255 = ignore). */
export interface Sample {
  width: number;
  height: number;
  channels: number;
  /** [height * width * channels]: RGB bytes, or float channels of a multispectral run. */
  image: Pixels;
  /** [height * width] labels; ignoreLabel where the pixel counts for nothing. */
  labels: Uint8Array;
}

/** Mask value -> training label; values absent from the map (unknown, or the ignore class) are ignored. */
export type LabelMap = ReadonlyMap<number, number>;

/** sharp's own default: 0x3FFF * 0x3FFF pixels, about 268 megapixels. */
const defaultMaxPixels = 0x3fff * 0x3fff;

/** The largest image decoded whole: SEGBENCH_MAX_PIXELS when it is a positive whole number, else sharp's default. */
export function maxImagePixels(env: NodeJS.ProcessEnv = process.env): number {
  const raised = Number(env.SEGBENCH_MAX_PIXELS);
  return Number.isSafeInteger(raised) && raised > 0 ? raised : defaultMaxPixels;
}

/**
 * What is wrong with an image of width x height over `limit` pixels, and what to do (`then`: what
 * to do with the tiles); null when it fits. Reads as "<the image / The image X> is ...".
 */
export function oversize(width: number, height: number, limit: number, then: string): string | null {
  const pixels = width * height;
  if (pixels <= limit) return null;
  const mp = (n: number): string => (n >= 100_000 ? `${(n / 1e6).toFixed(1)} megapixels` : `${n} pixels`);
  return (
    `is ${width}x${height} (${mp(pixels)}), over the limit of ${mp(limit)} that SegBench decodes at once. ` +
    `Cut it into tiles (for example \`gdal_retile.py -ps 4096 4096\` or \`vips dzsave IMAGE tiles --depth one --tile-size 4096\`) and ${then} the tiles, ` +
    `or raise the limit with SEGBENCH_MAX_PIXELS=${pixels} if the machine has the memory (prediction needs about 40 bytes a pixel).`
  );
}

function checkSize(width: number, height: number, limit: number): void {
  const problem = oversize(width, height, limit, 'predict');
  if (problem) throw new Error(`the image ${problem}`);
}

/**
 * An image as the model sees it: RGB bytes through sharp, or, for a multispectral run
 * (`channels` given), the chosen bands and index channels of a GeoTIFF through geotiff.js.
 */
export async function decodeImage(path: string, channels?: InputChannels | null): Promise<DecodedImage> {
  if (channels) return decodeRaster(path, channels);
  const limit = maxImagePixels();
  const meta = await sharp(path, { limitInputPixels: false }).metadata();
  checkSize(meta.width ?? 0, meta.height ?? 0, limit);
  let pipeline = sharp(path, { failOn: 'truncated', limitInputPixels: limit });
  if (meta.depth === 'ushort') pipeline = pipeline.normalise();
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

async function decodeRaster(path: string, channels: InputChannels): Promise<DecodedImage> {
  if (!isTiff(path)) throw new Error(`the run takes multispectral channels, so its images must be GeoTIFFs (.tif); ${path} is not one`);
  const head = await readGeoTiff(path);
  checkSize(head.width, head.height, maxImagePixels());
  const raster = await readGeoTiff(path, { pixels: true });
  const pixels = raster.width * raster.height;
  const { data, valid } = assembleChannels(raster.bands, pixels, raster.info.nodata, channels);
  return { data, width: raster.width, height: raster.height, channels: channelCount(channels), valid, georeference: raster.info.georeference };
}

/** Decodes a mask (greyscale as indices, RGB as packed colours) straight to training labels. */
export async function decodeLabels(path: string, labelOf: LabelMap): Promise<{ labels: Uint8Array; width: number; height: number }> {
  // The image's limit holds for its mask: a raised SEGBENCH_MAX_PIXELS serves both.
  const limitInputPixels = maxImagePixels();
  const meta = await sharp(path, { limitInputPixels }).metadata();
  const grey = (meta.channels ?? 0) <= 2;
  const sixteen = grey && meta.depth === 'ushort';
  const decoder = sharp(path, { failOn: 'truncated', limitInputPixels });
  const { data, info } = await (grey ? decoder.extractChannel(0) : decoder).raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  const values = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : data;
  const pixels = info.width * info.height;
  const labels = new Uint8Array(pixels);
  const c = info.channels;
  let lastValue = -1;
  let lastLabel = ignoreLabel;
  for (let p = 0, i = 0; p < pixels; p += 1, i += c) {
    const value = c >= 3 ? (values[i]! << 16) | (values[i + 1]! << 8) | values[i + 2]! : values[i]!;
    if (value !== lastValue) {
      lastValue = value;
      lastLabel = labelOf.get(value) ?? ignoreLabel;
    }
    labels[p] = lastLabel;
  }
  return { labels, width: info.width, height: info.height };
}

export async function decodeSample(imagePath: string, maskPath: string, labelOf: LabelMap, channels?: InputChannels | null): Promise<Sample> {
  const [image, mask] = await Promise.all([decodeImage(imagePath, channels), decodeLabels(maskPath, labelOf)]);
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new Error(`mask ${mask.width}x${mask.height} does not match image ${image.width}x${image.height}`);
  }
  // Nodata pixels count for nothing: not in the loss, not in the metrics.
  if (image.valid) for (let p = 0; p < mask.labels.length; p += 1) if (!image.valid[p]) mask.labels[p] = ignoreLabel;
  return { width: image.width, height: image.height, channels: image.channels, image: image.data, labels: mask.labels };
}

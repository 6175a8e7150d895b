import sharp from 'sharp';
import { indexValue, trueColourBands } from '../../src-shared/bands';
import { percentileRange, rampImage, stretchComposite } from '../../src-shared/band-stats';
import { parseBandView } from '../../src-shared/band-view-param';
import type { BandView } from '../../src-shared/band-view-param';
import { ApiError } from '../../src-shared/errors';
import { readGeoTiff } from '../geotiff/geotiff-io';

/**
 * How the viewer sees a multispectral GeoTIFF: three bands as red, green and blue, each stretched
 * from its 2nd to its 98th percentile in this image; or one band (its percentiles) or an index
 * (-1..1 for a normalised difference) as a colour ramp. Rendered to PNG for the browser.
 */
export async function renderBandView(path: string, viewText: string | null, bandNames: readonly string[]): Promise<Buffer> {
  let view: BandView;
  try {
    view = viewText ? parseBandView(viewText) : { kind: 'composite', bands: trueColourBands(bandNames) };
  } catch (error) {
    throw new ApiError('VALIDATION', (error as Error).message);
  }
  const needed = view.kind === 'composite' ? view.bands : view.kind === 'band' ? [view.band] : [view.a, view.b];
  const bad = needed.find((b) => b > bandNames.length);
  if (bad !== undefined) throw new ApiError('VALIDATION', `Band ${bad} does not exist: the image has bands 1 to ${bandNames.length}.`);
  const unique = [...new Set(needed)];
  const file = await readGeoTiff(path, { pixels: true, only: unique });
  const band = (n: number) => file.bands[unique.indexOf(n)]!;
  const { width, height } = file;
  const pixels = width * height;
  const nodata = file.info.nodata;
  let rgb: Uint8Array;
  if (view.kind === 'composite') {
    const bands = [band(view.bands[0]), band(view.bands[1]), band(view.bands[2])] as const;
    rgb = stretchComposite(
      bands,
      bands.map((b) => percentileRange(b, nodata)),
      pixels,
      nodata,
    );
  } else if (view.kind === 'band') {
    const values = band(view.band);
    const [low, high] = percentileRange(values, nodata);
    const valid = Uint8Array.from(values, (v) => (v === nodata ? 0 : 1));
    rgb = rampImage(values, low, high, valid);
  } else {
    const a = band(view.a);
    const b = band(view.b);
    const values = new Float32Array(pixels);
    const valid = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p += 1) {
      valid[p] = a[p] === nodata || b[p] === nodata ? 0 : 1;
      values[p] = indexValue(view.kind, a[p]!, b[p]!);
    }
    const [low, high] = view.kind === 'normalized-difference' ? [-1, 1] : percentileRange(values, null);
    rgb = rampImage(values, low, high, valid);
  }
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 3 })
    .toBuffer();
}

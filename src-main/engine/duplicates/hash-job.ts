import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import sharp from 'sharp';
import { hashSide, signatureOf } from '../../../src-shared/duplicates';
import type { HashedImageResult } from '../../../src-shared/duplicates';
import { trueColourOf } from '../../geotiff/geotiff-io';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';

/** The image shrunk to hashSide x hashSide grey (aspect ignored) and its DCT signature, rounded for storage. */
export async function signatureOfFile(path: string): Promise<number[]> {
  // A multispectral GeoTIFF is hashed from its true-colour composite (sharp takes at most four bands).
  const colour = await trueColourOf(path);
  const input = colour
    ? sharp(Buffer.from(colour.rgb), { raw: { width: colour.width, height: colour.height, channels: 3 } })
    : sharp(path, { failOn: 'truncated' });
  const data = await input.removeAlpha().greyscale().resize(hashSide, hashSide, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  return Array.from(signatureOf(data, hashSide), (v) => Math.round(v * 1e6) / 1e6);
}

/** The `hash` job: perceptual signatures of a dataset's images, streamed to main in batches. */
export async function runHashJob(params: JobParams<'hash'>, context: JobContext): Promise<JobResult<'hash'>> {
  let batch: HashedImageResult[] = [];
  let failed = 0;
  const started = performance.now();
  for (const [i, item] of params.items.entries()) {
    throwIfCancelled(context.signal);
    try {
      batch.push({ imageId: item.imageId, signature: await signatureOfFile(item.imagePath), stamp: item.stamp });
    } catch (error) {
      failed += 1;
      context.log('warn', `Could not hash ${item.imagePath}: ${(error as Error).message}`);
    }
    const last = i === params.items.length - 1;
    if (batch.length >= 32 || last) {
      context.emit({ kind: 'hashed', datasetId: params.datasetId, images: batch });
      batch = [];
    }
    if (i % 8 === 7 || last)
      context.progress(
        i + 1,
        params.items.length,
        `hashed ${i + 1} of ${params.items.length} images (${((performance.now() - started) / (i + 1)).toFixed(0)} ms each)`,
      );
  }
  return { hashed: params.items.length - failed, failed };
}

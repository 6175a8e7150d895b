import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { hexToValue } from '../../../src-shared/classes';
import type { PredictJobParams, PredictResult } from '../../../src-shared/training';
import { decodeImage } from '../data/decode';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { loadRunModel } from './load-model';
import { predictImage } from './sliding-window';

/**
 * The `predict` job: every image through the run's checkpoint (sliding windows with overlap,
 * probabilities blended), written as `<name>_index.png` (one channel, the class index) and
 * `<name>_color.png` (class colours). Unreadable files are reported and skipped.
 */
export async function runPredictJob(raw: unknown, context: JobContext): Promise<PredictResult> {
  const params = raw as PredictJobParams;
  const { model, state } = await loadRunModel(params);
  const palette = params.colors.map((c) => hexToValue(c));
  const classes = params.classNames.length;
  const result: PredictResult = { written: 0, skipped: [] };
  try {
    await mkdir(params.outDir, { recursive: true });
    for (const [i, path] of params.images.entries()) {
      throwIfCancelled(context.signal);
      let image;
      try {
        image = await decodeImage(path);
      } catch (error) {
        result.skipped.push({ image: path, message: `not a readable image: ${(error as Error).message}` });
        context.progress(i + 1, params.images.length, `skipped ${basename(path)}`);
        continue;
      }
      const probs = predictImage(model, image.data, image.width, image.height, params.config.inputSize, params.config.validationOverlap, state.normalization, params.config.batchSize);
      const pixels = image.width * image.height;
      const index = Buffer.alloc(pixels);
      const colour = Buffer.alloc(pixels * 3);
      for (let p = 0; p < pixels; p += 1) {
        let best = 0;
        for (let c = 1; c < classes; c += 1) if (probs[p * classes + c]! > probs[p * classes + best]!) best = c;
        index[p] = best;
        const v = palette[best] ?? 0;
        colour[p * 3] = v >> 16;
        colour[p * 3 + 1] = (v >> 8) & 255;
        colour[p * 3 + 2] = v & 255;
      }
      const stem = params.names?.[i] ?? basename(path, extname(path));
      await sharp(index, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('b-w').png().toFile(join(params.outDir, `${stem}_index.png`));
      if (!params.indexOnly) {
        await sharp(colour, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(join(params.outDir, `${stem}_color.png`));
      }
      result.written += 1;
      context.progress(i + 1, params.images.length, `predicted ${i + 1} of ${params.images.length} images`);
    }
    return result;
  } finally {
    model.dispose();
  }
}

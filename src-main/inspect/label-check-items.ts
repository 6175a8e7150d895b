import { join } from 'node:path';
import sharp from 'sharp';
import { ApiError } from '../../src-shared/errors';
import type { LabelErrorItem } from '../../src-shared/label-errors';
import { parseStoredOrNull } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import type { LabelCheckImageRow, LabelCheckRow } from '../db/inspect-statements';

/** Per image, its flagged pixels per class pair (classes x classes, given-major). */
const pairsSchema = z.array(z.number());

/** One scored image of a check as the queue lists it; `pair` (given x classes + predicted) counts that pair's flagged pixels. */
export function checkItem(row: LabelCheckRow, image: LabelCheckImageRow, pair: number | null, classes: number): LabelErrorItem {
  const labelled = image.labelled ?? 0;
  const pairs = parseStoredOrNull(pairsSchema, image.pairs || null, `label check ${row.id}'s class pairs of image ${image.image_id}`) ?? [];
  const topPairs = pairs
    .map((pixels, k) => ({ given: Math.floor(k / classes), predicted: k % classes, pixels }))
    .filter((p) => p.pixels > 0)
    .sort((a, b) => b.pixels - a.pixels)
    .slice(0, 3);
  return {
    imageId: image.image_id,
    stem: image.stem,
    fold: image.fold,
    softmin: image.softmin,
    belowShare: labelled > 0 ? (image.below ?? 0) / labelled : 0,
    disagreement: labelled > 0 ? (image.disagreement ?? 0) / labelled : 0,
    flagged: image.flagged ?? 0,
    labelled,
    pairPixels: pair === null ? null : (pairs[pair] ?? 0),
    topPairs,
    stale: reviewOf(image) === null && image.current_revision_id !== image.revision_id,
    review: reviewOf(image),
    predictionPath: join(row.out_dir, `${image.image_id}_pred.png`),
    flagPath: join(row.out_dir, `${image.image_id}_flag.png`),
  };
}

/**
 * An image's review as it stands: a correction counts while a mask other than the one the check
 * scored is in effect; once that mask is back (undone or reverted anywhere) the image is unreviewed
 * and back in the queue, its scores current again.
 */
export function reviewOf(image: LabelCheckImageRow): 'kept' | 'corrected' | null {
  if (image.review === 'kept') return 'kept';
  return image.review === 'corrected' && image.current_revision_id !== image.revision_id ? 'corrected' : null;
}

export async function readLabels(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    throw new ApiError('NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}. Run the check again.`);
  }
}

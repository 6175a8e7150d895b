import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { rename, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { ignoreLabel } from '../../../src-shared/class-weights';
import type { DeriveItem } from '../../../src-shared/derived';
import { decodeLabels } from '../data/decode';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';

async function greyOf(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path, { failOn: 'truncated' }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The labels of one derived mask: a source mask remapped, or a prediction kept where it is confident. */
async function deriveLabels(item: DeriveItem): Promise<{ labels: Uint8Array; width: number; height: number }> {
  if (item.kind === 'remap') return decodeLabels(item.mask, new Map(item.labelMap));
  const [labels, confidence] = await Promise.all([greyOf(item.labels), greyOf(item.confidence)]);
  if (labels.width !== confidence.width || labels.height !== confidence.height) throw new Error('prediction and confidence maps differ in size');
  const out = new Uint8Array(labels.data.length);
  for (let p = 0; p < out.length; p += 1) out[p] = confidence.data[p]! >= item.minLevel ? labels.data[p]! : ignoreLabel;
  return { labels: out, width: labels.width, height: labels.height };
}

/**
 * The `derive` job: writes the masks of a merged or pseudo-labelled dataset, one-channel index
 * PNGs (255 = ignore), each to a temporary name and renamed, so a mask file is whole or absent.
 */
export async function runDeriveJob(params: JobParams<'derive'>, context: JobContext): Promise<JobResult<'derive'>> {
  const skipped: { imageId: number; message: string }[] = [];
  const made = new Set<string>();
  for (const [i, item] of params.items.entries()) {
    throwIfCancelled(context.signal);
    const folder = dirname(item.out);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    const temp = `${item.out}.tmp-${process.pid}.png`;
    try {
      const { labels, width, height } = await deriveLabels(item);
      await sharp(Buffer.from(labels.buffer, labels.byteOffset, labels.length), { raw: { width, height, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toFile(temp);
      await rename(temp, item.out);
    } catch (error) {
      await rm(temp, { force: true });
      const message = (error as Error).message;
      if (/ENOSPC/.test(message)) throw new Error(`The disk is full while writing ${item.out}; free some space and re-index the dataset to finish it.`);
      skipped.push({ imageId: item.imageId, message });
    }
    if (i % 8 === 7 || i === params.items.length - 1) context.progress(i + 1, params.items.length, `wrote ${i + 1} of ${params.items.length} masks`);
  }
  return { written: params.items.length - skipped.length, skipped };
}

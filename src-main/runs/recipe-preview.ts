import { cropExposure, drawWeight, exposure, minorityCropShares } from '../../src-shared/recipes';
import type { DrawComposition, RecipePreview } from '../../src-shared/recipes';
import type { RunConfig } from '../../src-shared/run-config';
import type { Statements } from '../db/statements';
import { parseClasses } from '../datasets/dataset-queries';
import { readMask } from '../datasets/mask-file';
import { trainClassPixels } from './recipe-resolution';

/** Masks are read shrunk to this side for the crop arithmetic: the crop composition barely moves, the time does. */
const previewMaskSide = 160;

/**
 * What a launch's recipes do before it runs: how many training images replication repeats, and
 * the expected pixel share per class uniformly and with every recipe. Minority-centred crops are
 * computed from the masks in effect (shrunk, one summed-area table per class), with the crop side
 * at the mean of the scale range; a mask that cannot be read counts as a random crop.
 */
export async function recipePreview(statements: Statements, config: RunConfig): Promise<RecipePreview> {
  const dataset = statements.datasetById.get(config.datasetId)!;
  const classes = parseClasses(dataset.classes);
  const trainPositions = classes.map((c, i) => (c.ignore ? -1 : i)).filter((i) => i >= 0);
  const images = trainClassPixels(statements, config.datasetId);
  const repeats = config.replicate?.repeats;
  const weights = config.sampler.kind === 'weighted' ? config.sampler.weights : undefined;
  const weightOf = (id: number): number => drawWeight(id, weights, repeats);
  const base = {
    trainImages: images.length,
    replicated: Object.keys(repeats ?? {}).length,
    drawsPerPass: images.reduce((n, image) => n + (repeats?.[String(image.id)] ?? 1), 0),
    classNames: trainPositions.map((p) => classes[p]!.name),
    sharesBefore: exposure(images, trainPositions, () => 1),
  };
  const crops = config.minorityCrops;
  if (!crops || crops.share <= 0) return { ...base, sharesAfter: exposure(images, trainPositions, weightOf), minorityCrops: null };

  const minority = crops.classes.map((name) => classes.findIndex((c) => c.name === name)).filter((p) => p >= 0);
  const positionOf = new Map<number, number>();
  classes.forEach((c, p) => c.values.forEach((v) => positionOf.set(v, c.ignore ? -1 : p)));
  const maskOf = new Map(statements.splitImages.all(config.datasetId, 'train').map((row) => [row.id, row.mask_path]));
  const scale = (config.augment.scaleMin + config.augment.scaleMax) / 2;
  const side = config.inputSize / scale;
  const draws: DrawComposition[] = [];
  let withMinority = 0;
  for (const image of images) {
    const imageShares = trainPositions.map((p) => (image.totalPixels > 0 ? (image.classPixels[p] ?? 0) / image.totalPixels : 0));
    let cropShares: number[] | null = null;
    const path = maskOf.get(image.id);
    if (path && minority.some((p) => (image.classPixels[p] ?? 0) > 0)) {
      try {
        const mask = await readMask(path, previewMaskSide);
        const labels = Int16Array.from(mask.values, (v) => positionOf.get(v) ?? -1);
        const fullWidth = Math.sqrt((image.totalPixels * mask.width) / mask.height) || mask.width;
        const shares = minorityCropShares(labels, mask.width, mask.height, minority, (side * mask.width) / fullWidth, classes.length);
        if (shares) {
          cropShares = trainPositions.map((p) => shares[p]!);
          withMinority += 1;
        }
      } catch {
        cropShares = null;
      }
    }
    draws.push({ id: image.id, imageShares, cropShares });
  }
  return {
    ...base,
    sharesAfter: cropExposure(draws, weightOf, crops.share),
    minorityCrops: { images: withMinority, side: Math.round(side), share: crops.share },
  };
}

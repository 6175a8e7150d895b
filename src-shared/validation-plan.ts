import { mulberry32 } from './random';
import { z } from './zod';

/**
 * Which epochs validate, and on which images. `validateEvery` N validates epochs N, 2N, ... and
 * always the last; between full validations a `validationSubset` (a share of the validation images
 * and/or a maximum count) is drawn once from the run's seed, the same images every time, so
 * subset mIoUs compare with each other. The last epoch always validates every image.
 */
interface ValidationPlanConfig {
  epochs: number;
  validateEvery: number;
  validationSubset: { share: number; max: number | null } | null;
  seed: number;
}

/** What one epoch validated: every image, the seeded subset, or nothing (validateEvery). */
export const epochValidationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('full') }),
  z.object({ kind: z.literal('subset'), images: z.number() }),
  z.object({ kind: z.literal('skipped'), every: z.number() }),
]);
type EpochValidation = z.output<typeof epochValidationSchema>;

/** How many images a subset holds out of `total` (at least 1 when there are any). */
export function subsetSize(total: number, subset: ValidationPlanConfig['validationSubset']): number {
  if (!subset || total === 0) return total;
  const byShare = Math.max(1, Math.round(total * subset.share));
  return Math.min(total, byShare, subset.max ?? Number.POSITIVE_INFINITY);
}

/** What epoch `epoch` (1-based) validates. */
export function epochValidation(epoch: number, config: ValidationPlanConfig, total: number): EpochValidation {
  if (epoch >= config.epochs) return { kind: 'full' };
  if (epoch % config.validateEvery !== 0) return { kind: 'skipped', every: config.validateEvery };
  const images = subsetSize(total, config.validationSubset);
  return images < total ? { kind: 'subset', images } : { kind: 'full' };
}

/**
 * The images every validated epoch is judged on for the best checkpoint, the plateau schedule and
 * early stopping, when a validation subset makes some epochs validate fewer than all: the subset
 * (a full validation's per-image counts hold it). Null when every validation sees every image.
 */
export function judgedOn(config: ValidationPlanConfig, total: number): { kind: 'subset'; images: number } | null {
  if (!config.validationSubset || config.epochs < 2) return null;
  const images = subsetSize(total, config.validationSubset);
  const anySubset = Array.from({ length: config.epochs - 1 }, (_, i) => epochValidation(i + 1, config, total)).some((plan) => plan.kind === 'subset');
  return anySubset && images < total ? { kind: 'subset', images } : null;
}

/** Validation images per epoch, for the progress bar's total and the launch estimate. */
export function validationImagesPerEpoch(config: ValidationPlanConfig, total: number): number[] {
  return Array.from({ length: config.epochs }, (_, i) => {
    const plan = epochValidation(i + 1, config, total);
    return plan.kind === 'full' ? total : plan.kind === 'subset' ? plan.images : 0;
  });
}

/** The subset's items: `count` drawn by the run's seed, in their original order. */
export function subsetItems<T>(items: readonly T[], count: number, seed: number): T[] {
  if (count >= items.length) return [...items];
  const random = mulberry32(seed ^ 0x5eed);
  const order = items.map((_, i) => ({ i, key: random() }));
  order.sort((a, b) => a.key - b.key);
  const chosen = new Set(order.slice(0, count).map((o) => o.i));
  return items.filter((_, i) => chosen.has(i));
}

/** In words, for the epoch's event and the best-checkpoint line. */
export function validationText(plan: EpochValidation, total: number): string {
  if (plan.kind === 'skipped') return `not validated (the run validates every ${plan.every} epochs, and at the end)`;
  if (plan.kind === 'subset') return `on the validation subset, ${plan.images} of ${total} images`;
  return `on all ${total} validation images`;
}

/** "4 of 16 images" for figures over a validation subset; null for figures over every image (or not known). */
export function subsetText(validated: { images: number; of: number } | null | undefined): string | null {
  return validated && validated.images < validated.of ? `${validated.images} of ${validated.of} images` : null;
}

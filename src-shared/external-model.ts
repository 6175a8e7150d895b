import { imagenetMeanStd } from './encoders';
import { z } from './zod';

/**
 * A model trained outside SegBench (PyTorch, exported to ONNX) and imported as an external run:
 * what the importer found in the file, stored with the run and sent to every inference job.
 */
export const externalModelSchema = z.object({
  kind: z.literal('onnx'),
  /** The copy in the run's folder that every job reads (the user's file is never touched again). */
  file: z.string().min(1),
  /** The file it was imported from. */
  source: z.string(),
  bytes: z.number().int(),
  /** The input's layout: NCHW (PyTorch's) or NHWC (SegBench's and TensorFlow's own exports). */
  layout: z.enum(['nchw', 'nhwc']),
  /** What the output holds per pixel: logits (softmax taken by SegBench) or probabilities. */
  output: z.enum(['logits', 'probabilities']),
  channels: z.number().int().min(1),
  classes: z.number().int().min(2),
  /** Height and width must be multiples of this. */
  stride: z.number().int().min(1),
  /** A model exported with a fixed input size takes only windows of that size. */
  fixedSize: z.number().int().nullable(),
  /** Per-channel (value - mean) / std on the image's own pixel values (0..255 for 8-bit images). */
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  /** How the normalisation was chosen, in words ("ImageNet's", "from the file's SegBench metadata"). */
  normalizationSource: z.string(),
  /** For each dataset class (training order), the model's output channel; the identity without --classes. */
  classOrder: z.array(z.number().int().min(0)),
  /** What the importer found and decided, one sentence each, for the run page and the CLI. */
  findings: z.array(z.string()),
});
export type ExternalModel = z.output<typeof externalModelSchema>;

/** How an import asks for the model's input normalisation. */
export const normalizeChoiceSchema = z.union([
  z.literal('imagenet'),
  z.literal('none'),
  z.literal('auto'),
  z.object({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }),
]);
export type NormalizeChoice = z.output<typeof normalizeChoiceSchema>;

/**
 * The normalisation SegBench applies for a choice, on 8-bit pixel values (0..255), for `channels`
 * channels: PyTorch users state mean and std on 0..1 images (after ToTensor), so they are scaled
 * by 255 here. `none` is ToTensor alone (pixels / 255). A one-value mean or std applies to every
 * channel. Null and why when the choice does not fit the channels.
 */
export function normalizationFor(
  choice: Exclude<NormalizeChoice, 'auto'>,
  channels: number,
): { normalization: { mean: number[]; std: number[] }; source: string } | { problem: string } {
  const spread = (values: number[], what: string): number[] | string =>
    values.length === 1
      ? new Array<number>(channels).fill(values[0]!)
      : values.length === channels
        ? values
        : `${what} has ${values.length} values; the dataset's images have ${channels} channel${channels === 1 ? '' : 's'} (give 1 or ${channels})`;
  if (choice === 'none')
    return {
      normalization: { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(255) },
      source: 'none: pixels / 255 (as torchvision ToTensor)',
    };
  const asked = choice === 'imagenet' ? { mean: [...imagenetMeanStd.mean], std: [...imagenetMeanStd.std] } : choice;
  if (choice === 'imagenet' && channels !== 3)
    return { problem: `ImageNet normalisation is for 3-channel RGB images; this dataset's have ${channels} channels. Give --normalize MEAN,STD or none.` };
  const mean = spread(asked.mean, 'The mean');
  const std = spread(asked.std, 'The std');
  if (typeof mean === 'string') return { problem: mean };
  if (typeof std === 'string') return { problem: std };
  return {
    normalization: { mean: mean.map((m) => m * 255), std: std.map((s) => s * 255) },
    source: choice === 'imagenet' ? "ImageNet's mean and std (torchvision's)" : `mean ${asked.mean.join('/')} and std ${asked.std.join('/')} on 0..1 pixels`,
  };
}

/**
 * `--normalize` as typed: imagenet, none, or MEAN,STD where each is one number or one per channel
 * separated by slashes, on 0..1 pixels ("0.5,0.25" or "0.485/0.456/0.406,0.229/0.224/0.225").
 */
export function parseNormalizeOption(text: string): NormalizeChoice | { problem: string } {
  const value = text.trim().toLowerCase();
  if (value === 'imagenet' || value === 'none' || value === 'auto') return value;
  const parts = value.split(',');
  const numbers = parts.map((part) => part.split('/').map((n) => (n.trim() === '' ? Number.NaN : Number(n))));
  if (parts.length !== 2 || numbers.some((list) => list.some((n) => !Number.isFinite(n)))) {
    return {
      problem: `--normalize "${text.slice(0, 80)}" is not valid: give imagenet, none, or MEAN,STD on 0..1 pixels (one number each, or one per channel joined by /), e.g. 0.5,0.25 or 0.485/0.456/0.406,0.229/0.224/0.225.`,
    };
  }
  if (numbers[1]!.some((s) => s <= 0)) return { problem: `--normalize: the std must be above 0 (got ${parts[1]}).` };
  return { mean: numbers[0]!, std: numbers[1]! };
}

/**
 * A folder of predicted masks imported as a run (predictions made elsewhere, in the dataset's own
 * mask encoding): evaluated and inspected like a model's predictions, with nothing to run.
 */
export const predictedMasksSchema = z.object({
  kind: z.literal('masks'),
  /** The copies in the run's folder. */
  dir: z.string().min(1),
  /** The folder they were imported from. */
  source: z.string(),
  /** For each dataset image (by its path) with a predicted mask: the mask's file name in `dir`. */
  files: z.record(z.string(), z.string()),
  findings: z.array(z.string()),
});
export type PredictedMasks = z.output<typeof predictedMasksSchema>;

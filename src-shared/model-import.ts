import { normalizeChoiceSchema } from './external-model';
import type { ExternalModel } from './external-model';
import { labelMapSchema, trainItemSchema } from './training';
import { encoderNames } from './encoders';
import { z } from './zod';

/** The engine's `import-model` job: inspect the user's ONNX file, copy it into the run's folder, and say what it found. */
export const importModelJobParamsSchema = z.object({
  source: z.string().min(1),
  /** Where the copy goes (a new file in the new run's folder). */
  dest: z.string().min(1),
  classNames: z.array(z.string()),
  /** The model's output names per dataset class, when the user gave a classes file: the channel order is taken from it. */
  modelClassNames: z.array(z.string()).nullable(),
  channels: z.number().int().min(1),
  normalize: normalizeChoiceSchema,
  /** A window size asked for (else the fixed size, or 512 rounded to the stride). */
  window: z.number().int().min(16).max(1024).nullable(),
  /** Up to a few validation images: the logits-or-probabilities check runs on real pixels. */
  probe: z.array(trainItemSchema),
  labelMap: labelMapSchema,
  /** The source is a segmentation_models_pytorch Unet's state_dict (.safetensors) on this encoder: written as ONNX first. */
  smpEncoder: z.enum(encoderNames).nullable().default(null),
});

export interface ImportModelResult {
  model: ExternalModel;
  /** The window SegBench will slide over images (the fixed size, or the one chosen). */
  window: number;
}

/** `runs:importModel` and `segbench import-model`. */
export const importModelRequestSchema = z.strictObject({
  onnxPath: z.string().min(1),
  datasetId: z.string().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  normalize: normalizeChoiceSchema.default('auto'),
  /** Class names in the model's output order, when it differs from the dataset's. */
  classNames: z.array(z.string()).optional(),
  window: z.number().int().min(16).max(1024).optional(),
  /** onnxPath is a segmentation_models_pytorch Unet's state_dict saved as .safetensors, on this encoder. */
  smpEncoder: z.enum(encoderNames).optional(),
});
/** `runs:importMasks` and `segbench import-masks`: predictions made elsewhere, as a run. */
export const importMasksRequestSchema = z.strictObject({
  masksDir: z.string().min(1),
  datasetId: z.string().min(1),
  name: z.string().trim().min(1).max(200).optional(),
});

export type ImportModelRequest = z.input<typeof importModelRequestSchema>;

import { z } from './zod';
import { modelRefSchema } from './training';

/** Formats a run's model can be exported to. */
export const modelExportFormats = ['onnx'] as const;

/**
 * What travels with an exported model, in the ONNX file's metadata_props (each value as JSON) and
 * in its JSON sidecar: what a user needs to run it anywhere else. The model takes NHWC float32
 * images normalised as `normalization` says (per channel: (value - mean) / std) and gives NHWC
 * logits, one channel per class.
 */
const exportedModelMetaSchema = z.object({
  format: z.literal('segbench-onnx'),
  run: z.object({ id: z.string(), name: z.string() }),
  checkpoint: z.enum(['best', 'last']),
  epoch: z.number().nullable(),
  model: z.string(),
  modelOptions: z.record(z.string(), z.unknown()),
  classes: z.array(z.object({ name: z.string(), color: z.string(), maskValue: z.number().nullable() })),
  maskKind: z.enum(['rgb', 'index']).nullable(),
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
  inputChannels: z.unknown().nullable(),
  channels: z.number(),
  /** The model's output stride: height and width must be multiples of it. */
  stride: z.number(),
  /** The window the run was trained and validated with: inputSize and the validation overlap. */
  window: z.object({ size: z.number(), overlap: z.number() }),
  layout: z.object({ input: z.literal('NHWC'), output: z.literal('NHWC logits') }),
  opset: z.number(),
});
export type ExportedModelMeta = z.output<typeof exportedModelMetaSchema>;

/** The engine job that writes the file: the run's model, where to write it, and the metadata (the engine adds epoch and normalisation). */
export const exportModelJobParamsSchema = modelRefSchema.extend({
  outPath: z.string().min(1),
  meta: exportedModelMetaSchema.omit({ epoch: true, normalization: true, opset: true }),
});

export interface ExportModelResult {
  path: string;
  sidecar: string;
  bytes: number;
  meta: ExportedModelMeta;
}

export const exportModelRequestSchema = z.strictObject({
  runId: z.string().min(1),
  checkpoint: z.enum(['best', 'last']).default('best'),
  format: z.enum(modelExportFormats).default('onnx'),
  /** An absolute path for the .onnx file; never an existing file. The sidecar is `<path>.json`. */
  outPath: z.string().min(1),
});

/** A file size in words: "412 KiB" below one MiB, else "1.9 MiB". */
export function fileSizeText(bytes: number): string {
  return bytes < 2 ** 20 ? `${Math.max(1, Math.round(bytes / 1024))} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

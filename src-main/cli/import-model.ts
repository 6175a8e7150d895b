import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encoderNames } from '../../src-shared/encoders';
import type { EncoderName } from '../../src-shared/encoders';
import { ApiError } from '../../src-shared/errors';
import { parseNormalizeOption } from '../../src-shared/external-model';
import type { Job } from '../../src-shared/jobs';
import { fileSizeText } from '../../src-shared/model-export';
import { openServices } from './open-services';
import { progressPrinter } from './progress';
import { findDataset } from './lookup';

/** A classes file: one class name per line (blank lines and # comments skipped), or a JSON array of names. */
function readClassesFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApiError('VALIDATION', `--classes ${path} could not be read: ${(error as Error).message}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new ApiError('VALIDATION', `--classes ${path} starts like JSON but is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      throw new ApiError('VALIDATION', `--classes ${path}: a JSON classes file is an array of class names.`);
    return value;
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** `segbench import-model (--onnx FILE | --safetensors FILE --encoder E) --dataset D [--classes FILE] [--normalize imagenet|none|MEAN,STD] [--window N] [--name N] [--json]` */
export async function importModelCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      onnx: { type: 'string' },
      safetensors: { type: 'string' },
      encoder: { type: 'string' },
      dataset: { type: 'string' },
      classes: { type: 'string' },
      normalize: { type: 'string' },
      window: { type: 'string' },
      name: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const file = values.onnx ?? values.safetensors;
  if (!file || !values.dataset || (values.onnx && values.safetensors)) {
    throw new ApiError(
      'VALIDATION',
      "--dataset NAME and one of --onnx FILE or --safetensors FILE --encoder E (a segmentation_models_pytorch Unet's state_dict) are required.",
    );
  }
  if (values.safetensors && !(encoderNames as readonly string[]).includes(values.encoder ?? '')) {
    throw new ApiError(
      'VALIDATION',
      `--safetensors needs --encoder, the Unet's encoder_name: one of ${encoderNames.join(', ')} (timm-efficientnet-bN is efficientnet-bN here); got "${values.encoder ?? ''}".`,
    );
  }
  const normalize = values.normalize === undefined ? 'auto' : parseNormalizeOption(values.normalize);
  if (typeof normalize === 'object' && 'problem' in normalize) throw new ApiError('VALIDATION', normalize.problem);
  const window = values.window === undefined ? undefined : Number(values.window);
  if (window !== undefined && !(Number.isInteger(window) && window >= 16 && window <= 1024))
    throw new ApiError('VALIDATION', `--window must be a whole number of pixels from 16 to 1024; got "${values.window}".`);
  const classNames = values.classes ? readClassesFile(resolve(values.classes)) : undefined;
  const services = openServices(values['data-dir']);
  const print = progressPrinter('importing');
  const unsubscribe = services.events.onAny((event, payload) => {
    if (event === 'job:update' && (payload as Job).kind === 'import-model') print(payload as Job);
  });
  try {
    const run = await services.api.invoke('runs:importModel', {
      onnxPath: resolve(file),
      ...(values.safetensors && { smpEncoder: values.encoder as EncoderName }),
      datasetId: await findDataset(services, values.dataset),
      normalize,
      ...(values.name !== undefined && { name: values.name }),
      ...(classNames && { classNames }),
      ...(window !== undefined && { window }),
    });
    const model = run.external!;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ runId: run.id, name: run.name, model }, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      [
        `Imported ${model.source} (${fileSizeText(model.bytes)}) as run ${run.id} "${run.name}".`,
        ...model.findings.map((f) => `  ${f}`),
        `Evaluate it with: segbench eval --run ${run.id.slice(0, 8)}`,
      ].join('\n') + '\n',
    );
  } finally {
    unsubscribe();
    await services.close();
  }
}

/** `segbench import-masks --masks DIR --dataset NAME [--name N] [--json]` */
export async function importMasksCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { masks: { type: 'string' }, dataset: { type: 'string' }, name: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (!values.masks || !values.dataset) throw new ApiError('VALIDATION', '--masks DIR and --dataset NAME are required.');
  const services = openServices(values['data-dir']);
  try {
    const run = await services.api.invoke('runs:importMasks', {
      masksDir: resolve(values.masks),
      datasetId: await findDataset(services, values.dataset),
      ...(values.name !== undefined && { name: values.name }),
    });
    const masks = run.predictedMasks!;
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ runId: run.id, name: run.name, masks: { source: masks.source, files: Object.keys(masks.files).length, findings: masks.findings } }, null, 2)}\n`,
      );
      return;
    }
    process.stdout.write(
      [
        `Imported the masks of ${masks.source} as run ${run.id} "${run.name}".`,
        ...masks.findings.map((f) => `  ${f}`),
        `Score them with: segbench eval --run ${run.id.slice(0, 8)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await services.close();
  }
}

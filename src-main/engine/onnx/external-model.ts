import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { onnx } from 'onnx-proto';
import sharp from 'sharp';
import type * as Ort from 'onnxruntime-node';
import { ApiError } from '../../../src-shared/errors';
import { normalizationFor } from '../../../src-shared/external-model';
import { z } from '../../../src-shared/zod';
import type { ExternalModel } from '../../../src-shared/external-model';
import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { imageData } from '../data/batch';
import type { Normalization } from '../data/batch';
import { decodeSample } from '../data/decode';
import type { Pixels } from '../data/decode';
import { predictImage } from '../eval/sliding-window';
import type { WindowPredictor } from '../eval/sliding-window';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { cpuThreads } from '../workers/threads';
import { selectBackend } from '../backend/select';
import { exportOnnxAsync } from '../export/onnx-export';
import { createModel } from '../models/registry';
import { readSafetensors } from '../models/safetensors';
import { loadSmpUnetWeights } from '../models/smp-unet';
import type { EncoderName } from '../../../src-shared/encoders';
import { createOrtSession, cudaProviderInstalled, inferenceProviders, releaseOrtSession } from './ort-session';
import type { OrtSession } from './ort-session';
import { softmax } from './ort-predictor';

/*
 * Models trained elsewhere (PyTorch, exported to ONNX) as external runs: the import job finds the
 * file's layout, output kind, class count and stride by running it, and every inference job runs
 * it through `externalPredictor`, which turns it into SegBench's window contract (NHWC in,
 * probabilities NHWC out, the dataset's class order).
 */

type Session = OrtSession;

/** [n, h, w, c] to [n, c, h, w]. */
export function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b += 1) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p += 1) for (let k = 0; k < c; k += 1) out[base + k * plane + p] = data[base + p * c + k]!;
  }
  return out;
}

/** [n, c, h, w] to [n, h, w, c]. */
export function nchwToNhwc(data: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b += 1) {
    const base = b * plane * c;
    for (let k = 0; k < c; k += 1) for (let p = 0; p < plane; p += 1) out[base + p * c + k] = data[base + k * plane + p]!;
  }
  return out;
}

interface RawOutput {
  /** NHWC, the model's own channel order. */
  values: Float32Array;
  height: number;
  width: number;
  classes: number;
}

/** One batch through the model in its own layout; the output read back as NHWC. */
async function runRaw(session: Session, layout: 'nchw' | 'nhwc', nhwc: Float32Array, n: number, size: number, channels: number): Promise<RawOutput> {
  const input =
    layout === 'nchw'
      ? new session.ort.Tensor('float32', nhwcToNchw(nhwc, n, size, size, channels), [n, channels, size, size])
      : new session.ort.Tensor('float32', nhwc, [n, size, size, channels]);
  const results = await session.session.run({ [session.inputName]: input });
  const output = results[session.outputName] as Ort.Tensor | undefined;
  if (!output || !(output.data instanceof Float32Array) || output.dims.length !== 4) {
    throw new ApiError(
      'VALIDATION',
      `The model's output "${session.outputName}" has shape [${output?.dims.join(', ') ?? '?'}] and type ${output?.type ?? '?'}; SegBench needs a 4-D float32 tensor of class scores per pixel.`,
    );
  }
  const [b, d1, d2, d3] = output.dims as [number, number, number, number];
  if (b !== n) throw new ApiError('VALIDATION', `The model gave a batch of ${b} for ${n} images.`);
  return layout === 'nchw'
    ? { values: nchwToNhwc(output.data, n, d1, d2, d3), classes: d1, height: d2, width: d3 }
    : { values: output.data, height: d1, width: d2, classes: d3 };
}

/** Probabilities in the dataset's class order from a raw output. */
function toProbabilities(raw: RawOutput, model: Pick<ExternalModel, 'output' | 'classOrder'>): Float32Array {
  const values = model.output === 'logits' ? softmax(raw.values, raw.classes) : raw.values;
  const order = model.classOrder;
  if (order.every((c, i) => c === i) && order.length === raw.classes) return values;
  const k = order.length;
  const out = new Float32Array((values.length / raw.classes) * k);
  for (let p = 0, q = 0; p < values.length; p += raw.classes, q += k) for (let c = 0; c < k; c += 1) out[q + c] = values[p + order[c]!]!;
  return out;
}

/**
 * An imported model as a WindowPredictor on ONNX Runtime's CPU provider. There is no tfjs model to
 * fall back to: when ONNX Runtime cannot load, the job fails and says so.
 */
export async function externalPredictor(
  model: ExternalModel,
  threads = cpuThreads(),
  log: (message: string) => void = () => {},
): Promise<{ predictor: WindowPredictor; release: () => Promise<void> }> {
  const choice = inferenceProviders(process.platform, cudaProviderInstalled());
  let made = await createOrtSession(model.file, { intraOpThreads: threads, executionProviders: choice.providers });
  if (!made.session && choice.providers[0] !== 'cpu') {
    log(`ONNX Runtime could not start ${choice.providers[0]} (${made.reason}); the imported model runs on the CPU.`);
    made = await createOrtSession(model.file, { intraOpThreads: threads, executionProviders: ['cpu'] });
  } else if (made.session) log(`The imported model runs on ONNX Runtime: ${choice.reason}.`);
  if (!made.session)
    throw new ApiError('ENGINE', `This run is an imported ONNX model (${model.file}); only ONNX Runtime can run it, and it could not: ${made.reason}.`);
  const session = made.session;
  const predictor: WindowPredictor = {
    classes: model.classOrder.length,
    probabilities: async (crops, size, normalization) => {
      if (model.fixedSize !== null && size !== model.fixedSize)
        throw new ApiError('VALIDATION', `The imported model takes only ${model.fixedSize} px windows (got ${size}).`);
      const raw = await runRaw(session, model.layout, imageData(crops, size, normalization), crops.length, size, model.channels);
      return toProbabilities(raw, model);
    },
  };
  return { predictor, release: () => releaseOrtSession(session) };
}

/** The normalisation SegBench wrote into its own exports (metadata_props, or the JSON sidecar beside the file), if any. */
async function segbenchNormalization(path: string): Promise<Normalization | null> {
  const fromJson = (text: string | null | undefined, wrapped: boolean): Normalization | null => {
    if (!text) return null;
    try {
      const parsed = (wrapped ? z.object({ normalization: normalizationSchema }).transform((v) => v.normalization) : normalizationSchema).safeParse(
        JSON.parse(text),
      );
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };
  const sidecar = await readFile(`${path}.json`, 'utf8').catch(() => null);
  const fromSidecar = sidecar && sidecar.includes('"segbench-onnx"') ? fromJson(sidecar, true) : null;
  if (fromSidecar) return fromSidecar;
  try {
    const props = onnx.ModelProto.decode(await readFile(path)).metadataProps ?? [];
    if (!props.some((p) => p.key === 'format' && p.value === 'segbench-onnx')) return null;
    return fromJson(props.find((p) => p.key === 'normalization')?.value, false);
  } catch {
    return null;
  }
}

/**
 * A segmentation_models_pytorch Unet's state_dict (safetensors) as ONNX at `dest`: SegBench's SMP
 * U-Net on the encoder, every key loaded (engine/models/smp-unet.ts), written by SegBench's export.
 * The class count is the file's head's; a file without a head is refused. Says what it did.
 */
async function writeSmpUnetOnnx(source: string, dest: string, encoder: EncoderName, channels: number, window: number | null): Promise<string> {
  const file = await readSafetensors(source);
  const head = file.tensors.get('segmentation_head.0.weight');
  if (!head || head.shape.length !== 4) {
    throw new ApiError(
      'VALIDATION',
      `${source} has no segmentation_head.0.weight [classes, 16, 3, 3]: it is not a whole segmentation_models_pytorch Unet's state_dict. Save model.state_dict() of the trained Unet.`,
    );
  }
  await selectBackend('wasm');
  const size = Math.max(64, Math.round((window ?? 256) / 32) * 32);
  const model = createModel('unet', { classes: head.shape[0]!, inputChannels: channels, inputSize: size, encoder });
  try {
    const report = loadSmpUnetWeights(model, file, source, encoder);
    await writeFile(dest, await exportOnnxAsync(model, { model: 'unet', encoder, source: 'segmentation_models_pytorch' }), { flag: 'wx' });
    return `Converted from a segmentation_models_pytorch Unet(${encoder}) state_dict: ${report.loaded} tensors, ${head.shape[0]} output classes, written as ONNX by SegBench.`;
  } finally {
    model.dispose();
  }
}

const strides = [1, 2, 4, 8, 16, 32] as const;

const normalizationSchema = z.object({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) });

/**
 * The `import-model` job: copies the user's ONNX file into the new run's folder (the original is
 * only read), loads it in ONNX Runtime and finds by running it: the layout (NCHW or NHWC, from the
 * input's channel axis), the class count (against the dataset's), per-pixel output at the input's
 * size, the stride (the smallest step in size it accepts), and whether it gives logits or
 * probabilities (on real validation images). Then it predicts those images and reports how many
 * pixels agree with their masks, so a wrong normalisation or class order shows at once. Any
 * mismatch fails the job with what was found and what is valid; the copy is removed.
 */
export async function runImportModelJob(params: JobParams<'import-model'>, context: JobContext): Promise<JobResult<'import-model'>> {
  const steps = 6;
  context.progress(0, steps, 'copying the model');
  const info = await stat(params.source).catch(() => null);
  if (!info?.isFile()) throw new ApiError('VALIDATION', `${params.source} is not a file; give the path of an .onnx model.`);
  await mkdir(dirname(params.dest), { recursive: true });
  const converted = params.smpEncoder ? await writeSmpUnetOnnx(params.source, params.dest, params.smpEncoder, params.channels, params.window) : null;
  if (!converted) await copyFile(params.source, params.dest, constants.COPYFILE_EXCL);
  let session: Session | null = null;
  try {
    context.progress(1, steps, 'loading it in ONNX Runtime');
    const made = await createOrtSession(params.dest, { intraOpThreads: cpuThreads(), quiet: true });
    if (!made.session) throw new ApiError('VALIDATION', `${params.source} could not be loaded as an ONNX model: ${made.reason}.`);
    session = made.session;
    const findings: string[] = converted ? [converted] : [];
    const input = session.session.inputMetadata[0];
    if (!input?.isTensor || input.type !== 'float32' || input.shape.length !== 4) {
      const shape = input?.isTensor ? `${input.type} [${input.shape.join(', ')}]` : 'not a tensor';
      throw new ApiError(
        'VALIDATION',
        `The model's input "${session.inputName}" is ${shape}; SegBench feeds one float32 image batch of rank 4: [N, C, H, W] (PyTorch) or [N, H, W, C].`,
      );
    }
    if (session.session.outputNames.length > 1)
      findings.push(`It has ${session.session.outputNames.length} outputs; SegBench reads the first, "${session.outputName}".`);
    const channels = params.channels;
    const [, d1, d2, d3] = input.shape;
    const fixed = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);
    let layout: 'nchw' | 'nhwc';
    if (fixed(d1) === channels && fixed(d3) !== channels) layout = 'nchw';
    else if (fixed(d3) === channels && fixed(d1) !== channels) layout = 'nhwc';
    else if (fixed(d1) !== null && fixed(d3) !== null) {
      throw new ApiError(
        'VALIDATION',
        `The model's input is [${input.shape.join(', ')}]: neither axis 1 nor axis 3 has the dataset's ${channels} channels. Valid: [N, ${channels}, H, W] or [N, H, W, ${channels}].`,
      );
    } else layout = fixed(d1) !== null || fixed(d3) === null ? 'nchw' : 'nhwc';
    const [h, w] = layout === 'nchw' ? [fixed(d2), fixed(d3)] : [fixed(d1), fixed(d2)];
    if ((h === null) !== (w === null) || (h !== null && h !== w)) {
      throw new ApiError(
        'VALIDATION',
        `The model's input is [${input.shape.join(', ')}]; SegBench slides square windows, so height and width must both be free (dynamic axes) or fixed and equal.`,
      );
    }
    const fixedSize = h;
    findings.push(`Input ${layout.toUpperCase()} [${input.shape.join(', ')}]${fixedSize ? `: fixed ${fixedSize} px windows` : ''}.`);

    let normalization: Normalization;
    let normalizationSource: string;
    const choice = params.normalize;
    const own = choice === 'auto' ? await segbenchNormalization(params.source) : null;
    if (own) {
      if (own.mean.length !== channels)
        throw new ApiError('VALIDATION', `The file's SegBench metadata normalises ${own.mean.length} channels; the dataset's images have ${channels}.`);
      normalization = own;
      normalizationSource = "from the file's SegBench metadata";
    } else {
      const resolved = normalizationFor(choice === 'auto' ? 'imagenet' : choice, channels);
      if ('problem' in resolved) throw new ApiError('VALIDATION', resolved.problem);
      normalization = resolved.normalization;
      normalizationSource = choice === 'auto' ? `${resolved.source}, the default` : resolved.source;
    }
    findings.push(`Normalisation: ${normalizationSource}.`);
    throwIfCancelled(context.signal);

    context.progress(2, steps, 'running it at test sizes');
    const zeros = (size: number): Float32Array => new Float32Array(size * size * channels);
    const tryRun = async (size: number): Promise<RawOutput | string> => {
      try {
        return await runRaw(session!, layout, zeros(size), 1, size, channels);
      } catch (error) {
        if (error instanceof ApiError) throw error;
        return error instanceof Error ? error.message : String(error);
      }
    };
    const base = fixedSize ?? 256;
    const first = await tryRun(base);
    if (typeof first === 'string')
      throw new ApiError('VALIDATION', `ONNX Runtime could not run the model on a ${base}x${base} ${layout.toUpperCase()} input: ${first.slice(0, 400)}`);
    if (first.height !== base || first.width !== base) {
      throw new ApiError(
        'VALIDATION',
        `For a ${base}x${base} input the model gives a ${first.height}x${first.width} output; SegBench needs a score per pixel at the input's size (keep the final upsampling in the exported graph).`,
      );
    }
    const classNames = params.classNames;
    if (first.classes !== classNames.length) {
      throw new ApiError(
        'VALIDATION',
        `The model gives ${first.classes} classes; the dataset trains ${classNames.length} (${classNames.join(', ')}). Valid: a model with ${classNames.length} output channels, one per class.`,
      );
    }
    let classOrder = classNames.map((_, i) => i);
    if (params.modelClassNames) {
      const names = params.modelClassNames;
      if (names.length !== first.classes) throw new ApiError('VALIDATION', `The classes file names ${names.length} classes; the model gives ${first.classes}.`);
      const missing = classNames.filter((n) => !names.includes(n));
      if (missing.length > 0)
        throw new ApiError(
          'VALIDATION',
          `The classes file does not name ${missing.join(', ')}; it must name each of the dataset's classes (${classNames.join(', ')}) once, in the model's output order.`,
        );
      classOrder = classNames.map((n) => names.indexOf(n));
      findings.push(`Output channels mapped by the classes file: ${names.join(', ')}.`);
    }
    findings.push(`${first.classes} output channels, one per class.`);
    let stride = fixedSize ?? 64;
    if (fixedSize === null) {
      for (const s of strides) {
        const out = await tryRun(base + s);
        if (typeof out !== 'string' && out.height === base + s && out.width === base + s) {
          stride = s;
          break;
        }
      }
      findings.push(`Input stride ${stride}: any size that is a multiple of ${stride} px.`);
    }
    throwIfCancelled(context.signal);

    // Default: 512 px, or the smallest validation image's side when smaller (a window larger than
    // an image is padded, and the model would see the padding).
    const smallest = Math.min(512, ...(await probeSides(params.probe)));
    const window = fixedSize ?? params.window ?? Math.max(stride, Math.floor(smallest / stride) * stride);
    if (window % stride !== 0)
      throw new ApiError(
        'VALIDATION',
        `A ${window} px window is not a multiple of the model's stride (${stride}); valid: ${Math.max(stride, Math.floor(window / stride) * stride)} or ${Math.ceil(window / stride) * stride}.`,
      );
    if (fixedSize !== null && params.window !== null && params.window !== fixedSize)
      findings.push(`The model takes only ${fixedSize} px windows, so the window is ${fixedSize} (not ${params.window}).`);

    context.progress(3, steps, 'checking its output on validation images');
    const labelMap = new Map(params.labelMap);
    const samples: { image: Pixels; width: number; height: number; labels: Uint8Array }[] = [];
    for (const item of params.probe) {
      try {
        samples.push(await decodeSample(item.imagePath, item.maskPath, labelMap, null));
      } catch (error) {
        findings.push(`Probe image ${item.imagePath} was skipped: ${error instanceof Error ? error.message : String(error)}.`);
      }
    }
    const probeOutput = samples[0]
      ? await runRaw(session, layout, imageData([cropSquare(samples[0], window, channels)], window, normalization), 1, window, channels)
      : first;
    const output = looksLikeProbabilities(probeOutput) ? 'probabilities' : 'logits';
    findings.push(output === 'logits' ? 'It gives logits (SegBench takes the softmax).' : 'It gives probabilities (every pixel sums to 1), used as they are.');
    const model: ExternalModel = {
      kind: 'onnx',
      file: params.dest,
      source: params.source,
      bytes: info.size,
      layout,
      output,
      channels,
      classes: first.classes,
      stride,
      fixedSize,
      normalization,
      normalizationSource,
      classOrder,
      findings,
    };
    await releaseOrtSession(session);
    session = null;
    throwIfCancelled(context.signal);

    context.progress(4, steps, `predicting ${samples.length} validation image${samples.length === 1 ? '' : 's'}`);
    if (samples.length > 0) {
      const { predictor, release } = await externalPredictor(model);
      try {
        let right = 0;
        let labelled = 0;
        for (const sample of samples) {
          const probs = await predictImage(predictor, sample.image, sample.width, sample.height, window, 0, normalization, 1);
          const k = classOrder.length;
          for (let p = 0; p < sample.labels.length; p += 1) {
            const label = sample.labels[p]!;
            if (label >= k) continue;
            labelled += 1;
            let best = 0;
            for (let c = 1; c < k; c += 1) if (probs[p * k + c]! > probs[p * k + best]!) best = c;
            if (best === label) right += 1;
          }
        }
        if (labelled > 0) {
          const share = right / labelled;
          findings.push(
            `On ${samples.length} validation image${samples.length === 1 ? '' : 's'} it labels ${(share * 100).toFixed(1)}% of pixels as their masks do.`,
          );
          if (share < 1.5 / classOrder.length)
            findings.push(`That is near chance for ${classOrder.length} classes: check the normalisation (${normalizationSource}) and the class order.`);
        }
      } finally {
        await release();
      }
    }
    context.progress(steps, steps, 'imported');
    return { model, window };
  } catch (error) {
    if (session) await releaseOrtSession(session).catch(() => {});
    await unlink(params.dest).catch(() => {});
    throw error;
  }
}

/** The shorter side of each probe image (read from its header). */
async function probeSides(items: readonly { imagePath: string }[]): Promise<number[]> {
  const sides: number[] = [];
  for (const item of items) {
    const meta = await sharp(item.imagePath)
      .metadata()
      .catch(() => null);
    if (meta?.width && meta.height) sides.push(Math.min(meta.width, meta.height));
  }
  return sides;
}

/** The top-left `size` x `size` square of an image, padded with zeros where the image is smaller. */
function cropSquare(sample: { image: Pixels; width: number; height: number }, size: number, channels: number): Pixels {
  const out = new Float32Array(size * size * channels);
  const rows = Math.min(size, sample.height);
  const cols = Math.min(size, sample.width);
  for (let y = 0; y < rows; y += 1) {
    for (let x = 0; x < cols; x += 1)
      for (let c = 0; c < channels; c += 1) out[(y * size + x) * channels + c] = sample.image[(y * sample.width + x) * channels + c]!;
  }
  return out;
}

/** Every value in [0, 1] and every pixel's values summing to 1 (within float rounding). */
export function looksLikeProbabilities(raw: Pick<RawOutput, 'values' | 'classes'>): boolean {
  const { values, classes } = raw;
  for (let p = 0; p < values.length; p += classes) {
    let sum = 0;
    for (let c = 0; c < classes; c += 1) {
      const v = values[p + c]!;
      if (!(v >= -1e-6 && v <= 1 + 1e-6)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

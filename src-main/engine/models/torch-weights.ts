import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ApiError } from '../../../src-shared/errors';
import type { SafetensorsFile } from './safetensors';

/**
 * Loads a PyTorch state_dict (read from safetensors) into tfjs layers named after the PyTorch
 * modules behind a prefix (`encoder.layer1.0.conv1` holds `layer1.0.conv1.weight`). The rules,
 * one tensor to one weight:
 *
 *   Conv2D, SegBenchAtrousConv2D  weight [O, I, kh, kw] -> kernel [kh, kw, I, O]; bias -> bias
 *   DepthwiseConv2D (and dilated)  weight [C, 1, kh, kw] -> depthwise_kernel [kh, kw, C, 1]
 *   BatchNormalization            weight -> gamma, bias -> beta, running_mean -> moving_mean,
 *                                 running_var -> moving_variance; num_batches_tracked is skipped
 *
 * Everything is checked before anything is written: a tensor that maps to no weight is an error
 * naming it (unless `ignore` takes it: the classifier), so is a weight the file leaves unset, a
 * shape that differs and a dtype other than F32, F16 and BF16.
 */

interface TorchWeightsSpec {
  /** What is loaded, in messages: 'resnet18 encoder'. */
  label: string;
  /** The layers' name prefix that stands for the state_dict's root: 'encoder.'. */
  prefix: string;
  /** Keys the file may hold that the model does not take (the classifier: fc.weight, fc.bias). */
  ignore: (key: string) => boolean;
  /** The module of the first convolution, whose RGB kernel is adapted to other input channels. */
  inputConv: string;
  /**
   * Weights the file may lack or hold in another shape (a segmentation head for another class
   * count): those are left as initialised and reported, not refused.
   */
  optional?: (key: string) => boolean;
  /** What a fitting file is, for the refusal: "a resnet18 state_dict as timm or torchvision save it". */
  expected: string;
  /** Another layout's key in the layers' names (timm's `conv_stem.weight` -> `features.0.0.weight`); null when it has none. */
  rename?: (key: string) => string | null;
}

interface TorchWeightsReport {
  /** State_dict keys written into the model. */
  loaded: number;
  /** Keys present and left out on purpose: the classifier, batch norm's step counters. */
  ignored: string[];
  /** The first convolution's key when its RGB kernel was adapted to the model's input channels. */
  adapted: string | null;
  /** The model's weights left as initialised (`optional` ones the file lacks or holds in another shape). */
  skipped: string[];
}

interface Target {
  variable: tfl.LayerVariable;
  /** The weight's shape in PyTorch's layout. */
  torchShape: number[];
  /** A convolution kernel (OIHW to HWIO), a depthwise one ([C, 1, kh, kw] to [kh, kw, C, 1]), or as it is. */
  layout: 'kernel' | 'depthwise' | 'plain';
}

const bnNames: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' };

/** Every state_dict key the model's prefixed layers take, with the weight it sets. */
function targetsOf(model: tfl.LayersModel, prefix: string): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const layer of model.layers) {
    if (!layer.name.startsWith(prefix) || layer.weights.length === 0) continue;
    const module = layer.name.slice(prefix.length);
    const className = layer.getClassName();
    for (const variable of layer.weights) {
      const weight = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
      const shape = variable.shape as number[];
      if ((className === 'Conv2D' || className === 'SegBenchAtrousConv2D') && (weight === 'kernel' || weight === 'bias')) {
        const [kh, kw, inputs, outputs] = shape as [number, number, number, number];
        targets.set(`${module}.${weight === 'kernel' ? 'weight' : 'bias'}`, {
          variable,
          torchShape: weight === 'kernel' ? [outputs, inputs, kh, kw] : shape,
          layout: weight === 'kernel' ? 'kernel' : 'plain',
        });
        continue;
      }
      if ((className === 'DepthwiseConv2D' || className === 'SegBenchDilatedDepthwiseConv2D') && (weight === 'depthwise_kernel' || weight === 'bias')) {
        const [kh, kw, channels, multiplier] = shape as [number, number, number, number];
        const depthwise = weight === 'depthwise_kernel';
        targets.set(`${module}.${depthwise ? 'weight' : 'bias'}`, {
          variable,
          torchShape: depthwise ? [channels * multiplier, 1, kh, kw] : shape,
          layout: depthwise ? 'depthwise' : 'plain',
        });
        continue;
      }
      const torchName = className === 'BatchNormalization' ? Object.keys(bnNames).find((k) => bnNames[k] === weight) : undefined;
      if (!torchName) throw new ApiError('INTERNAL', `No PyTorch name for weight ${variable.originalName} of a ${className} layer.`);
      targets.set(`${module}.${torchName}`, { variable, torchShape: shape, layout: 'plain' });
    }
  }
  return targets;
}

type Shape4 = [number, number, number, number];

/** OIHW (PyTorch) to HWIO (TensorFlow), the kernel's values in row-major order. */
function oihwToHwio(values: Float32Array, [o, i, kh, kw]: Shape4): Float32Array {
  const out = new Float32Array(values.length);
  for (let a = 0; a < o; a += 1) {
    for (let b = 0; b < i; b += 1) {
      for (let h = 0; h < kh; h += 1) {
        for (let w = 0; w < kw; w += 1) out[((h * kw + w) * i + b) * o + a] = values[((a * i + b) * kh + h) * kw + w]!;
      }
    }
  }
  return out;
}

/** A depthwise kernel [C, 1, kh, kw] (PyTorch, groups = C) as tfjs holds it, [kh, kw, C, 1]. */
function depthwiseToHwc(values: Float32Array, [c, , kh, kw]: Shape4): Float32Array {
  const out = new Float32Array(values.length);
  for (let a = 0; a < c; a += 1) {
    for (let h = 0; h < kh; h += 1) {
      for (let w = 0; w < kw; w += 1) out[(h * kw + w) * c + a] = values[(a * kh + h) * kw + w]!;
    }
  }
  return out;
}

/**
 * An RGB kernel OIHW [O, 3, kh, kw] for C input channels, timm's `adapt_input_conv` (and
 * segmentation_models_pytorch's `patch_first_conv`): one channel takes the sum over RGB; C
 * channels take RGB channel c mod 3, scaled by 3 / C, so the first activations keep their size.
 */
function adaptInputKernel(values: Float32Array, [o, , kh, kw]: Shape4, channels: number): Float32Array {
  const plane = kh * kw;
  const out = new Float32Array(o * channels * plane);
  for (let a = 0; a < o; a += 1) {
    for (let c = 0; c < channels; c += 1) {
      for (let p = 0; p < plane; p += 1) {
        const rgb = (k: number) => values[(a * 3 + k) * plane + p]!;
        out[(a * channels + c) * plane + p] = channels === 1 ? rgb(0) + rgb(1) + rgb(2) : rgb(c % 3) * (3 / channels);
      }
    }
  }
  return out;
}

const listed = (keys: string[]): string => (keys.length > 6 ? `${keys.slice(0, 6).join(', ')} and ${keys.length - 6} more` : keys.join(', '));
const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function loadTorchWeights(model: tfl.LayersModel, file: SafetensorsFile, source: string, spec: TorchWeightsSpec): TorchWeightsReport {
  const targets = targetsOf(model, spec.prefix);
  // Messages name what is loaded: an encoder (behind a prefix) or the whole model.
  const part = spec.prefix === '' ? 'model' : 'encoder';
  const inputKey = `${spec.inputConv}.weight`;
  const unmapped: string[] = [];
  const ignored: string[] = [];
  const misshapen: string[] = [];
  const notFloat: string[] = [];
  const skipped: string[] = [];
  let adapted: string | null = null;
  // Each target's key in the file: a file in another layout (timm's) is read under its renamed keys.
  const fileKeyOf = new Map<string, string>();
  for (const [fileKey, tensor] of file.tensors) {
    const key = spec.rename?.(fileKey) ?? fileKey;
    fileKeyOf.set(key, fileKey);
    const target = targets.get(key);
    if (!target) {
      const counter = key.endsWith('.num_batches_tracked') && targets.has(key.replace(/num_batches_tracked$/, 'running_mean'));
      if (counter || spec.ignore(key)) ignored.push(fileKey);
      else unmapped.push(fileKey);
      continue;
    }
    if (!['F32', 'F16', 'BF16'].includes(tensor.dtype)) notFloat.push(`${fileKey} (${tensor.dtype})`);
    if (tf.util.arraysEqual(tensor.shape, target.torchShape)) continue;
    // The first convolution of a model for C != 3 input channels takes an RGB kernel, adapted.
    const [o, i, kh, kw] = target.torchShape as Shape4;
    if (key === inputKey && i !== 3 && tf.util.arraysEqual(tensor.shape, [o, 3, kh, kw])) {
      adapted = key;
    } else if (spec.optional?.(key)) {
      skipped.push(key);
    } else {
      misshapen.push(`${fileKey} is ${shapeText(tensor.shape)} in the file, ${shapeText(target.torchShape)} in the ${part}`);
    }
  }
  const absent = [...targets.keys()].filter((key) => !fileKeyOf.has(key));
  skipped.push(...absent.filter((key) => spec.optional?.(key)));
  const missing = absent.filter((key) => !spec.optional?.(key));
  const problems = [
    unmapped.length > 0 ? `${unmapped.length} of its tensors map to no weight of the ${part} (${listed(unmapped)})` : '',
    missing.length > 0 ? `it lacks ${missing.length} of the ${part}'s weights (${listed(missing)})` : '',
    misshapen.length > 0 ? `${misshapen.length} differ in shape, in PyTorch's layout (${listed(misshapen)})` : '',
    notFloat.length > 0 ? `${notFloat.length} are not stored as F32, F16 or BF16 (${listed(notFloat)})` : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new ApiError('VALIDATION', `${source} does not fit the ${spec.label}: ${problems.join('; ')}. Give ${spec.expected}.`);
  }
  for (const [key, target] of targets) {
    if (skipped.includes(key)) continue;
    const fileKey = fileKeyOf.get(key)!;
    const tensor = file.tensors.get(fileKey)!;
    let values = file.float32(fileKey);
    if (key === adapted) values = adaptInputKernel(values, tensor.shape as Shape4, target.torchShape[1]!);
    if (target.layout === 'kernel') values = oihwToHwio(values, target.torchShape as Shape4);
    if (target.layout === 'depthwise') values = depthwiseToHwc(values, target.torchShape as Shape4);
    const value = tf.tensor(values, target.variable.shape as number[], 'float32');
    target.variable.write(value);
    value.dispose();
  }
  return { loaded: targets.size - skipped.length, ignored, adapted, skipped };
}

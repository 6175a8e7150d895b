import type * as tfl from '@tensorflow/tfjs-layers';
import type { onnx } from 'onnx-proto';
import { ApiError } from '../../../src-shared/errors';
import { ints, text } from './onnx-graph';
import type { Graph, Value, WeightValues } from './onnx-graph';

/** What every layer writer of the ONNX export reads: the layer's config, its weights in ONNX's layouts, padding and axes. */

// Layer configs, read from getConfig() (the serialised form every tfjs layer has)

export type Config = Record<string, unknown>;

export const pair = (value: unknown, fallback: number): [number, number] => {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'number') return [value[0], value[0]];
  return [fallback, fallback];
};

/** An NHWC axis (negative counts from the end) as the NCHW axis ONNX sees. */
export function nchwAxis(axis: number, layer: tfl.layers.Layer): number {
  const normalised = axis < 0 ? axis + 4 : axis;
  const mapped = [0, 2, 3, 1][normalised];
  if (mapped === undefined) throw unsupported(layer, `axis ${axis} of a 4-D tensor`);
  return mapped;
}

export function unsupported(layer: tfl.layers.Layer, what: string): ApiError {
  return new ApiError(
    'VALIDATION',
    `Cannot export to ONNX: layer "${layer.name}" (${layer.getClassName()}) has ${what}, which the ONNX export does not write.`,
  );
}

export function checkChannelsLast(layer: tfl.layers.Layer, config: Config): void {
  if (config['dataFormat'] !== undefined && config['dataFormat'] !== 'channelsLast') throw unsupported(layer, `data format ${String(config['dataFormat'])}`);
}

/** A layer's weights by their own name (kernel, bias, gamma, moving_mean, ...). */
export function weightsOf(layer: tfl.layers.Layer, values: WeightValues): Map<string, { data: Float32Array; shape: number[] }> {
  const byRole = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const variable of layer.weights) {
    const data = values.get(variable);
    if (!data) throw unsupported(layer, `weight "${variable.name}" outside the model's weights`);
    byRole.set(variable.originalName.split('/').pop() ?? variable.originalName, { data, shape: variable.shape.map((d) => d ?? 0) });
  }
  return byRole;
}

export function need<T>(map: Map<string, T>, role: string, layer: tfl.layers.Layer): T {
  const found = map.get(role);
  if (!found) throw unsupported(layer, `no "${role}" weight`);
  return found;
}

// Weight layouts: tfjs keeps spatial dimensions first, ONNX keeps them last.

/** Conv2D kernel [kh, kw, in, out] (HWIO) as ONNX's [out, in, kh, kw] (OIHW). */
export function hwioToOihw(data: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh!; y += 1)
    for (let x = 0; x < kw!; x += 1)
      for (let i = 0; i < cin!; i += 1)
        for (let o = 0; o < cout!; o += 1) out[((o * cin! + i) * kh! + y) * kw! + x] = data[((y * kw! + x) * cin! + i) * cout! + o]!;
  return out;
}

/** Depthwise kernel [kh, kw, channels, multiplier] as a grouped conv's [channels * multiplier, 1, kh, kw]. */
export function depthwiseToOihw(data: Float32Array, [kh, kw, channels, multiplier]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh!; y += 1)
    for (let x = 0; x < kw!; x += 1)
      for (let c = 0; c < channels!; c += 1)
        for (let m = 0; m < multiplier!; m += 1) out[((c * multiplier! + m) * kh! + y) * kw! + x] = data[((y * kw! + x) * channels! + c) * multiplier! + m]!;
  return out;
}

/** Conv2DTranspose kernel [kh, kw, out, in] as ONNX ConvTranspose's [in, out, kh, kw]. */
export function hwoiToIohw(data: Float32Array, [kh, kw, cout, cin]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh!; y += 1)
    for (let x = 0; x < kw!; x += 1)
      for (let o = 0; o < cout!; o += 1)
        for (let i = 0; i < cin!; i += 1) out[((i * cout! + o) * kh! + y) * kw! + x] = data[((y * kw! + x) * cout! + o) * cin! + i]!;
  return out;
}

/** Conv and pooling padding attributes: TensorFlow's 'same' puts the odd pixel at the end. */
export function paddingAttributes(
  layer: tfl.layers.Layer,
  padding: unknown,
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number],
): onnx.IAttributeProto[] {
  if (padding === 'valid' || padding === undefined) return [];
  if (padding !== 'same') throw unsupported(layer, `padding "${String(padding)}"`);
  if (strides[0] === 1 && strides[1] === 1) {
    const total = kernel.map((k, i) => (k - 1) * dilation[i]!);
    const before = total.map((t) => Math.floor(t / 2));
    return [ints('pads', [before[0]!, before[1]!, total[0]! - before[0]!, total[1]! - before[1]!])];
  }
  // With a stride the pads depend on the input size; SAME_UPPER is TensorFlow's rule at every size.
  return [text('auto_pad', 'SAME_UPPER')];
}

/** What a layer writer gets: the graph, the layer with its config and weights, its inputs' values and its output's built shape. */
export interface Emit {
  graph: Graph;
  layer: tfl.layers.Layer;
  config: Config;
  inputs: Value[];
  /** The tfjs output tensor's shape at the built size. */
  outputShape: (number | null)[];
  values: WeightValues;
}

import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Node as LayerNode } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { onnx } from 'onnx-proto';
import { ApiError } from '../../../src-shared/errors';

/**
 * A tfjs-layers model written as an ONNX model (opset 17), for ONNX Runtime and for people who
 * take a model elsewhere. The graph walks the model's own nodes (inputs first), one ONNX op or a
 * few per layer; weights become initializers. The ONNX model takes what the tfjs model takes,
 * NHWC float32 images, and gives what it gives, NHWC logits: it transposes to NCHW once at the
 * start and back once at the end (ONNX's Conv, pooling and Resize are NCHW).
 *
 * Sizes: batch is always dynamic; height and width are dynamic unless the model only works at the
 * size it was built for (see `GlobalPool` below: DeepLab's image pooling is written so that it
 * does not need a fixed size). Padding 'same' follows TensorFlow's rule (the odd pixel at the end):
 * explicit pads where they do not depend on the size (stride 1), ONNX's SAME_UPPER, which is the
 * same rule, where they do.
 */

/** What goes into the file's metadata_props: any JSON-serialisable values, strings kept as they are. */
type OnnxMeta = Record<string, unknown>;

export const onnxOpset = 17;
/** ONNX IR version 8 is the first that opset 17 allows. */
const irVersion = 8;
const onnxInputName = 'image';
const onnxOutputName = 'logits';

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/** The values of a layer's weights, by their variable; read once per export. */
type WeightValues = Map<tfl.LayerVariable, Float32Array>;

/**
 * Exports `model` with its current weights. Reads them synchronously (dataSync), so this suits
 * the cpu and wasm backends; on WebGPU use exportOnnxAsync.
 */
export function exportOnnx(model: tfl.LayersModel, meta: OnnxMeta): Uint8Array {
  const values: WeightValues = new Map();
  for (const variable of model.weights) values.set(variable, floatValues(variable.read().dataSync(), variable));
  return buildOnnx(model, meta, values);
}

/** exportOnnx reading the weights with `await data()`, for every backend. */
export async function exportOnnxAsync(model: tfl.LayersModel, meta: OnnxMeta): Promise<Uint8Array> {
  const values: WeightValues = new Map();
  for (const variable of model.weights) values.set(variable, floatValues(await variable.read().data(), variable));
  return buildOnnx(model, meta, values);
}

function floatValues(data: tf.TypedArray | string[] | Uint8Array[], variable: tfl.LayerVariable): Float32Array {
  if (data instanceof Float32Array) return data;
  throw new ApiError('VALIDATION', `Cannot export to ONNX: weight "${variable.name}" is ${variable.dtype}; only float32 weights are written.`);
}

// ---------------------------------------------------------------------------------------------
// The graph under construction

/** A tensor of the ONNX graph (NCHW) standing for one of the tfjs model's tensors (NHWC). */
interface Value {
  name: string;
  /** The tfjs tensor's shape at the size the model was built for: [batch, height, width, channels]. */
  shape: (number | null)[];
  /**
   * Set when this value came from a pooling over the whole feature map (spatially 1x1 at any input
   * size): the pooled NCHW tensor's name and its built spatial size, so that an upsampling back to
   * that size can broadcast to it at any size.
   */
  globalOf?: { name: string; height: number; width: number };
}

class Graph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  /** False once the graph holds something that only works at the built height and width. */
  dynamicSpatial = true;
  /** Global poolings' outputs, with what they pooled (see Value.globalOf). */
  readonly globalSources = new Map<string, NonNullable<Value['globalOf']>>();
  /** Outputs that broadcast a global pooling's value back to the pooled map's size. */
  readonly broadcasts = new Set<string>();

  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 't';
    let name = clean;
    for (let i = 1; this.names.has(name); i += 1) name = `${clean}_${i}`;
    this.names.add(name);
    return name;
  }

  op(opType: string, inputs: string[], base: string, attributes: onnx.IAttributeProto[] = []): string {
    const output = this.unique(base);
    this.nodes.push({ opType, input: inputs, output: [output], name: this.unique(`${base}/${opType}`), attribute: attributes });
    return output;
  }

  floats(base: string, dims: number[], data: Float32Array): string {
    const name = this.unique(base);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i += 1) view.setFloat32(i * 4, data[i]!, true);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: bytes });
    return name;
  }

  int64s(base: string, values: number[]): string {
    const name = this.unique(base);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: bytes });
    return name;
  }
}

const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: AttributeType.INTS, ints: values });
const int = (name: string, value: number): onnx.IAttributeProto => ({ name, type: AttributeType.INT, i: value });
const float = (name: string, value: number): onnx.IAttributeProto => ({ name, type: AttributeType.FLOAT, f: value });
const text = (name: string, value: string): onnx.IAttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });

// ---------------------------------------------------------------------------------------------
// Layer configs, read from getConfig() (the serialised form every tfjs layer has)

type Config = Record<string, unknown>;

const pair = (value: unknown, fallback: number): [number, number] => {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'number') return [value[0], value[0]];
  return [fallback, fallback];
};

/** An NHWC axis (negative counts from the end) as the NCHW axis ONNX sees. */
function nchwAxis(axis: number, layer: tfl.layers.Layer): number {
  const normalised = axis < 0 ? axis + 4 : axis;
  const mapped = [0, 2, 3, 1][normalised];
  if (mapped === undefined) throw unsupported(layer, `axis ${axis} of a 4-D tensor`);
  return mapped;
}

function unsupported(layer: tfl.layers.Layer, what: string): ApiError {
  return new ApiError(
    'VALIDATION',
    `Cannot export to ONNX: layer "${layer.name}" (${layer.getClassName()}) has ${what}, which the ONNX export does not write.`,
  );
}

function checkChannelsLast(layer: tfl.layers.Layer, config: Config): void {
  if (config['dataFormat'] !== undefined && config['dataFormat'] !== 'channelsLast') throw unsupported(layer, `data format ${String(config['dataFormat'])}`);
}

/** A layer's weights by their own name (kernel, bias, gamma, moving_mean, ...). */
function weightsOf(layer: tfl.layers.Layer, values: WeightValues): Map<string, { data: Float32Array; shape: number[] }> {
  const byRole = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const variable of layer.weights) {
    const data = values.get(variable);
    if (!data) throw unsupported(layer, `weight "${variable.name}" outside the model's weights`);
    byRole.set(variable.originalName.split('/').pop() ?? variable.originalName, { data, shape: variable.shape.map((d) => d ?? 0) });
  }
  return byRole;
}

function need<T>(map: Map<string, T>, role: string, layer: tfl.layers.Layer): T {
  const found = map.get(role);
  if (!found) throw unsupported(layer, `no "${role}" weight`);
  return found;
}

// Weight layouts: tfjs keeps spatial dimensions first, ONNX keeps them last.

/** Conv2D kernel [kh, kw, in, out] (HWIO) as ONNX's [out, in, kh, kw] (OIHW). */
function hwioToOihw(data: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh!; y += 1)
    for (let x = 0; x < kw!; x += 1)
      for (let i = 0; i < cin!; i += 1)
        for (let o = 0; o < cout!; o += 1) out[((o * cin! + i) * kh! + y) * kw! + x] = data[((y * kw! + x) * cin! + i) * cout! + o]!;
  return out;
}

/** Depthwise kernel [kh, kw, channels, multiplier] as a grouped conv's [channels * multiplier, 1, kh, kw]. */
function depthwiseToOihw(data: Float32Array, [kh, kw, channels, multiplier]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh!; y += 1)
    for (let x = 0; x < kw!; x += 1)
      for (let c = 0; c < channels!; c += 1)
        for (let m = 0; m < multiplier!; m += 1) out[((c * multiplier! + m) * kh! + y) * kw! + x] = data[((y * kw! + x) * channels! + c) * multiplier! + m]!;
  return out;
}

/** Conv2DTranspose kernel [kh, kw, out, in] as ONNX ConvTranspose's [in, out, kh, kw]. */
function hwoiToIohw(data: Float32Array, [kh, kw, cout, cin]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh!; y += 1)
    for (let x = 0; x < kw!; x += 1)
      for (let o = 0; o < cout!; o += 1)
        for (let i = 0; i < cin!; i += 1) out[((i * cout! + o) * kh! + y) * kw! + x] = data[((y * kw! + x) * cout! + o) * cin! + i]!;
  return out;
}

/** Conv and pooling padding attributes: TensorFlow's 'same' puts the odd pixel at the end. */
function paddingAttributes(
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

// ---------------------------------------------------------------------------------------------
// Layers

interface Emit {
  graph: Graph;
  layer: tfl.layers.Layer;
  config: Config;
  inputs: Value[];
  /** The tfjs output tensor's shape at the built size. */
  outputShape: (number | null)[];
  values: WeightValues;
}

const passThrough = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

const layerWriters: Record<string, (emit: Emit) => string> = {
  Conv2D: (emit) => activation(emit, conv(emit, 'kernel', hwioToOihw, 1)),
  SegBenchAtrousConv2D: (emit) => {
    const kernel = typeof emit.config['kernelSize'] === 'number' ? emit.config['kernelSize'] : 3;
    const dilation = typeof emit.config['dilation'] === 'number' ? emit.config['dilation'] : 1;
    return conv({ ...emit, config: { ...emit.config, kernelSize: kernel, dilationRate: dilation, strides: 1, padding: 'same' } }, 'kernel', hwioToOihw, 1);
  },
  DepthwiseConv2D: (emit) => {
    const channels = emit.inputs[0]!.shape[3];
    if (typeof channels !== 'number') throw unsupported(emit.layer, 'an input of unknown channel count');
    // tfjs-layers 4.x's DepthwiseConv2D never passes its dilationRate on (a TODO in its call), so
    // the model computes, and was trained, undilated: written as it computes.
    return activation(emit, conv({ ...emit, config: { ...emit.config, dilationRate: 1 } }, 'depthwise_kernel', depthwiseToOihw, channels));
  },
  SegBenchDilatedDepthwiseConv2D: (emit) => {
    const channels = emit.inputs[0]!.shape[3];
    if (typeof channels !== 'number') throw unsupported(emit.layer, 'an input of unknown channel count');
    const kernel = typeof emit.config['kernelSize'] === 'number' ? emit.config['kernelSize'] : 3;
    const dilation = typeof emit.config['dilation'] === 'number' ? emit.config['dilation'] : 1;
    return conv(
      { ...emit, config: { ...emit.config, kernelSize: kernel, dilationRate: dilation, strides: 1, padding: 'same' } },
      'depthwise_kernel',
      depthwiseToOihw,
      channels,
    );
  },
  Conv2DTranspose: (emit) => activation(emit, convTranspose(emit)),
  BatchNormalization: (emit) => batchNorm(emit),
  ReLU: ({ graph, layer, config, inputs }) => {
    const maxValue = config['maxValue'];
    if (maxValue === null || maxValue === undefined) return graph.op('Relu', [inputs[0]!.name], layer.name);
    if (typeof maxValue !== 'number') throw unsupported(layer, `maxValue ${String(maxValue)}`);
    return clip(graph, inputs[0]!.name, 0, maxValue, layer.name);
  },
  LeakyReLU: ({ graph, layer, config, inputs }) =>
    graph.op('LeakyRelu', [inputs[0]!.name], layer.name, [float('alpha', typeof config['alpha'] === 'number' ? config['alpha'] : 0.3)]),
  Activation: (emit) => activation(emit, emit.inputs[0]!.name),
  Softmax: ({ graph, layer, config, inputs }) => {
    const axis = typeof config['axis'] === 'number' ? config['axis'] : -1;
    return graph.op('Softmax', [inputs[0]!.name], layer.name, [int('axis', nchwAxis(axis, layer))]);
  },
  MaxPooling2D: (emit) => pool(emit, 'MaxPool'),
  AveragePooling2D: (emit) => pool(emit, 'AveragePool'),
  UpSampling2D: (emit) => upsample(emit),
  ZeroPadding2D: (emit) => zeroPad(emit),
  Concatenate: ({ graph, layer, config, inputs }) => {
    const axis = typeof config['axis'] === 'number' ? config['axis'] : -1;
    return graph.op(
      'Concat',
      inputs.map((v) => v.name),
      layer.name,
      [int('axis', nchwAxis(axis, layer))],
    );
  },
  Add: ({ graph, layer, inputs }) =>
    graph.op(
      'Sum',
      inputs.map((v) => v.name),
      layer.name,
    ),
  Average: ({ graph, layer, inputs }) =>
    graph.op(
      'Mean',
      inputs.map((v) => v.name),
      layer.name,
    ),
  Maximum: ({ graph, layer, inputs }) =>
    graph.op(
      'Max',
      inputs.map((v) => v.name),
      layer.name,
    ),
  Minimum: ({ graph, layer, inputs }) =>
    graph.op(
      'Min',
      inputs.map((v) => v.name),
      layer.name,
    ),
  Multiply: ({ graph, layer, inputs }) => inputs.slice(1).reduce((acc, v) => graph.op('Mul', [acc, v.name], layer.name), inputs[0]!.name),
};

const exportableLayerClasses: readonly string[] = [...Object.keys(layerWriters), ...passThrough].sort();

function conv(emit: Emit, kernelRole: string, layout: (data: Float32Array, shape: number[]) => Float32Array, group: number): string {
  const { graph, layer, config, inputs, values } = emit;
  checkChannelsLast(layer, config);
  const weights = weightsOf(layer, values);
  const kernel = need(weights, kernelRole, layer);
  const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
  const strides = pair(config['strides'], 1);
  const dilation = pair(config['dilationRate'], 1);
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) throw unsupported(layer, 'both a stride and a dilation');
  const outChannels = group === 1 ? kernel.shape[3]! : kernel.shape[2]! * kernel.shape[3]!;
  const inPerGroup = group === 1 ? kernel.shape[2]! : 1;
  const w = graph.floats(`${layer.name}/${kernelRole}`, [outChannels, inPerGroup, kh, kw], layout(kernel.data, kernel.shape));
  const bias = weights.get('bias');
  const convInputs = [inputs[0]!.name, w];
  if (bias) convInputs.push(graph.floats(`${layer.name}/bias`, [outChannels], bias.data));
  return graph.op('Conv', convInputs, layer.name, [
    ints('kernel_shape', [kh, kw]),
    ints('strides', strides),
    ints('dilations', dilation),
    int('group', group),
    ...paddingAttributes(layer, config['padding'], [kh, kw], strides, dilation),
  ]);
}

function convTranspose(emit: Emit): string {
  const { graph, layer, config, inputs, values } = emit;
  checkChannelsLast(layer, config);
  const weights = weightsOf(layer, values);
  const kernel = need(weights, 'kernel', layer);
  const [kh, kw, cout] = [kernel.shape[0]!, kernel.shape[1]!, kernel.shape[2]!];
  const strides = pair(config['strides'], 1);
  const dilation = pair(config['dilationRate'], 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw unsupported(layer, 'a dilation');
  if (config['outputPadding'] !== undefined && config['outputPadding'] !== null) throw unsupported(layer, 'an output padding');
  // TensorFlow's transposed conv gives in * stride ('same') or in * stride + max(k - stride, 0)
  // ('valid'); the crop of 'same' is k - stride, the smaller half first, whatever the input size.
  let pads = [0, 0, 0, 0];
  const outputPadding = [0, 0];
  if (config['padding'] === 'same') {
    const total = [kh - strides[0], kw - strides[1]];
    for (const i of [0, 1]) {
      if (total[i]! >= 0) {
        pads[i] = Math.floor(total[i]! / 2);
        pads[i + 2] = total[i]! - pads[i]!;
      } else outputPadding[i] = -total[i]!;
    }
  } else if (config['padding'] === 'valid') {
    for (const i of [0, 1]) outputPadding[i] = Math.max(strides[i]! - [kh, kw][i]!, 0);
  } else throw unsupported(layer, `padding "${String(config['padding'])}"`);
  if (pads.every((p) => p === 0)) pads = [];
  const w = graph.floats(`${layer.name}/kernel`, [kernel.shape[3]!, cout, kh, kw], hwoiToIohw(kernel.data, kernel.shape));
  const convInputs = [inputs[0]!.name, w];
  const bias = weights.get('bias');
  if (bias) convInputs.push(graph.floats(`${layer.name}/bias`, [cout], bias.data));
  return graph.op('ConvTranspose', convInputs, layer.name, [
    ints('kernel_shape', [kh, kw]),
    ints('strides', strides),
    ...(pads.length ? [ints('pads', pads)] : []),
    ...(outputPadding.some((p) => p > 0) ? [ints('output_padding', outputPadding)] : []),
  ]);
}

function batchNorm({ graph, layer, config, inputs, values }: Emit): string {
  const axis = typeof config['axis'] === 'number' ? config['axis'] : -1;
  if (nchwAxis(axis, layer) !== 1) throw unsupported(layer, `axis ${axis} (only the channel axis is written)`);
  const weights = weightsOf(layer, values);
  const mean = need(weights, 'moving_mean', layer);
  const variance = need(weights, 'moving_variance', layer);
  const channels = mean.data.length;
  const gamma = weights.get('gamma')?.data ?? new Float32Array(channels).fill(1);
  const beta = weights.get('beta')?.data ?? new Float32Array(channels);
  const epsilon = typeof config['epsilon'] === 'number' ? config['epsilon'] : 1e-3;
  // Inference: the moving statistics, never the batch's.
  return graph.op(
    'BatchNormalization',
    [
      inputs[0]!.name,
      graph.floats(`${layer.name}/gamma`, [channels], gamma),
      graph.floats(`${layer.name}/beta`, [channels], beta),
      graph.floats(`${layer.name}/moving_mean`, [channels], mean.data),
      graph.floats(`${layer.name}/moving_variance`, [channels], variance.data),
    ],
    layer.name,
    [float('epsilon', epsilon)],
  );
}

function clip(graph: Graph, input: string, min: number, max: number, base: string): string {
  return graph.op('Clip', [input, graph.floats(`${base}/min`, [], Float32Array.of(min)), graph.floats(`${base}/max`, [], Float32Array.of(max))], base);
}

/** A layer's fused `activation` (or an Activation layer's own). */
function activation({ graph, layer, config }: Emit, input: string): string {
  const name = config['activation'] ?? 'linear';
  const base = `${layer.name}/${String(name)}`;
  switch (name) {
    case 'linear':
      return layer.getClassName() === 'Activation' ? graph.op('Identity', [input], base) : input;
    case 'relu':
      return graph.op('Relu', [input], base);
    case 'relu6':
      return clip(graph, input, 0, 6, base);
    case 'sigmoid':
      return graph.op('Sigmoid', [input], base);
    case 'tanh':
      return graph.op('Tanh', [input], base);
    case 'softmax':
      return graph.op('Softmax', [input], base, [int('axis', 1)]);
    case 'elu':
      return graph.op('Elu', [input], base);
    case 'softplus':
      return graph.op('Softplus', [input], base);
    case 'swish':
      return graph.op('Mul', [input, graph.op('Sigmoid', [input], base)], base);
    default:
      throw unsupported(layer, `activation "${String(name)}"`);
  }
}

function pool(emit: Emit, opType: 'MaxPool' | 'AveragePool'): string {
  const { graph, layer, config, inputs, outputShape } = emit;
  checkChannelsLast(layer, config);
  const size = pair(config['poolSize'], 2);
  const strides = pair(config['strides'] ?? config['poolSize'], 2);
  const input = inputs[0]!;
  const [height, width] = [input.shape[1], input.shape[2]];
  // A pooling over the whole built feature map (DeepLab's image pooling) is written as a global
  // pooling: at the built size it is the same thing, and at any other size it is what a model built
  // for that size computes with the same weights.
  if (config['padding'] !== 'same' && size[0] === height && size[1] === width && outputShape[1] === 1 && outputShape[2] === 1) {
    const name = graph.op(opType === 'MaxPool' ? 'GlobalMaxPool' : 'GlobalAveragePool', [input.name], layer.name);
    graph.globalSources.set(name, { name: input.name, height: size[0], width: size[1] });
    return name;
  }
  return graph.op(opType, [input.name], layer.name, [
    ints('kernel_shape', size),
    ints('strides', strides),
    ...paddingAttributes(layer, config['padding'], size, strides, [1, 1]),
  ]);
}

/**
 * ZeroPadding2D's [[top, bottom], [left, right]] as ONNX Pad's NCHW begins then ends. ONNX
 * Runtime folds a Pad into a following MaxPool, whose pads count as -inf rather than 0: the same
 * only on non-negative input, which is where SegBench's models pad before a pool (ResNet's stem,
 * after its ReLU; tests/engine/onnx-export.test.ts).
 */
function zeroPad({ graph, layer, config, inputs }: Emit): string {
  checkChannelsLast(layer, config);
  const padding = config['padding'];
  const valid = (v: unknown): v is [[number, number], [number, number]] =>
    Array.isArray(v) &&
    v.length === 2 &&
    v.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((n) => Number.isInteger(n) && (n as number) >= 0));
  if (!valid(padding)) throw unsupported(layer, `padding ${JSON.stringify(padding)}`);
  const [[top, bottom], [left, right]] = padding;
  return graph.op('Pad', [inputs[0]!.name, graph.int64s(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right])], layer.name, [text('mode', 'constant')]);
}

function upsample({ graph, layer, config, inputs, outputShape }: Emit): string {
  checkChannelsLast(layer, config);
  const [sh, sw] = pair(config['size'], 2);
  const input = inputs[0]!;
  const interpolation = config['interpolation'] ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw unsupported(layer, `interpolation "${String(interpolation)}"`);
  const source = input.globalOf;
  if (source && outputShape[1] === source.height && outputShape[2] === source.width) {
    // A 1x1 map (a global pooling's) brought back to the pooled map's size: a broadcast to that
    // map's height and width, whatever they are (both interpolations repeat a single pixel).
    const spatial = graph.op('Shape', [source.name], `${layer.name}/size`, [int('start', 2)]);
    const target = graph.op('Concat', [graph.int64s(`${layer.name}/ones`, [1, 1]), spatial], `${layer.name}/shape`, [int('axis', 0)]);
    const expanded = graph.op('Expand', [input.name, target], layer.name);
    graph.broadcasts.add(expanded);
    return expanded;
  }
  if (source) graph.dynamicSpatial = false;
  // tfjs resizes without aligned corners or half-pixel centres: source = destination / scale
  // ('asymmetric'), nearest taking the floor.
  const scales = graph.floats(`${layer.name}/scales`, [4], Float32Array.of(1, 1, sh, sw));
  const attributes =
    interpolation === 'nearest'
      ? [text('mode', 'nearest'), text('coordinate_transformation_mode', 'asymmetric'), text('nearest_mode', 'floor')]
      : [text('mode', 'linear'), text('coordinate_transformation_mode', 'asymmetric')];
  return graph.op('Resize', [input.name, '', scales], layer.name, attributes);
}

// ---------------------------------------------------------------------------------------------
// The walk

interface ModelInternals {
  nodesByDepth: Record<string, LayerNode[]>;
  containerNodes: Set<string>;
}

function buildOnnx(model: tfl.LayersModel, meta: OnnxMeta, values: WeightValues): Uint8Array {
  if (model.inputs.length !== 1)
    throw new ApiError('VALIDATION', `Cannot export to ONNX: the model has ${model.inputs.length} inputs; one image input is written.`);
  const modelInput = model.inputs[0]!;
  if (modelInput.shape.length !== 4)
    throw new ApiError('VALIDATION', `Cannot export to ONNX: the model's input is ${modelInput.shape.length}-D; an NHWC image (4-D) is written.`);
  const graph = new Graph();
  const byTensor = new Map<number, Value>();
  // The graph's own input and output names first, so no layer's value takes them.
  const outputNames = model.outputs.map((_, i) => graph.unique(model.outputs.length === 1 ? onnxOutputName : `${onnxOutputName}_${i}`));
  graph.unique(onnxInputName);
  byTensor.set(modelInput.id, { name: graph.op('Transpose', [onnxInputName], 'image_nchw', [ints('perm', [0, 3, 1, 2])]), shape: modelInput.shape });

  const internals = model as unknown as ModelInternals;
  const depths = Object.keys(internals.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a);
  for (const depth of depths) {
    for (const node of internals.nodesByDepth[depth]!) {
      const layer = node.outboundLayer;
      const className = layer.getClassName();
      if (className === 'InputLayer') continue;
      const inputs = node.inputTensors.map((t) => {
        const value = byTensor.get(t.id);
        if (!value) throw new ApiError('VALIDATION', `Cannot export to ONNX: layer "${layer.name}" (${className}) reads a tensor the export has not written.`);
        return value;
      });
      const writer = passThrough.has(className) ? (emit: Emit) => emit.inputs[0]!.name : layerWriters[className];
      if (!writer) {
        throw new ApiError(
          'VALIDATION',
          `Cannot export to ONNX: layer "${layer.name}" is a ${className}, which the ONNX export does not know. It writes: ${exportableLayerClasses.join(', ')}.`,
        );
      }
      if (node.outputTensors.length !== 1) throw unsupported(layer, `${node.outputTensors.length} outputs`);
      const outputShape = node.outputTensors[0]!.shape;
      if (outputShape.length !== 4) throw unsupported(layer, `a ${outputShape.length}-D output (only NHWC feature maps are written)`);
      const name = writer({ graph, layer, config: layer.getConfig() as Config, inputs, outputShape, values });
      byTensor.set(node.outputTensors[0]!.id, { name, shape: outputShape, ...followGlobal(graph, name, inputs, outputShape) });
    }
  }

  const outputs = model.outputs.map((output, i) => {
    const value = byTensor.get(output.id);
    if (!value) throw new ApiError('VALIDATION', `Cannot export to ONNX: the model's output ${i} was not written.`);
    if (value.globalOf) graph.dynamicSpatial = false;
    const name = outputNames[i]!;
    graph.nodes.push({
      opType: 'Transpose',
      input: [value.name],
      output: [name],
      name: graph.unique(`${name}/Transpose`),
      attribute: [ints('perm', [0, 2, 3, 1])],
    });
    return { name, shape: output.shape };
  });

  const dims = (shape: (number | null)[], sameAsInput: boolean): onnx.TensorShapeProto.IDimension[] =>
    shape.map((d, axis) => {
      if (axis === 0) return { dimParam: 'batch' };
      if ((axis === 1 || axis === 2) && (graph.dynamicSpatial || d === null))
        return { dimParam: sameAsInput ? ['', 'height', 'width'][axis] : `${['', 'out_height', 'out_width'][axis]}` };
      return { dimValue: d ?? 0 };
    });
  const sameSpatial = (shape: (number | null)[]): boolean => shape[1] === modelInput.shape[1] && shape[2] === modelInput.shape[2];
  const tensorType = (shape: (number | null)[], sameAsInput: boolean): onnx.ITypeProto => ({
    tensorType: { elemType: DataType.FLOAT, shape: { dim: dims(shape, sameAsInput) } },
  });

  const proto = onnx.ModelProto.create({
    irVersion,
    opsetImport: [{ domain: '', version: onnxOpset }],
    producerName: 'SegBench',
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [{ name: onnxInputName, type: tensorType(modelInput.shape, true), docString: 'NHWC float32 images, normalised as metadata says' }],
      output: outputs.map((o) => ({ name: o.name, type: tensorType(o.shape, sameSpatial(o.shape)), docString: 'NHWC logits (no softmax)' })),
    },
    metadataProps: metadataProps(meta),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Which global pooling a layer's output still stands for: the pooling's own output, or a layer fed
 * only by such values that keeps them 1x1 (convs, batch norm, activations on a 1x1 map compute the
 * same at any input size). A 1x1 value mixed with others ties the graph to the built size.
 */
function followGlobal(graph: Graph, name: string, inputs: Value[], outputShape: (number | null)[]): Pick<Value, 'globalOf'> {
  const pooled = graph.globalSources.get(name);
  if (pooled) return { globalOf: pooled };
  const flagged = inputs.filter((v) => v.globalOf);
  if (flagged.length === 0) return {};
  const stillOne = outputShape[1] === 1 && outputShape[2] === 1;
  if (stillOne && flagged.length === inputs.length) return { globalOf: flagged[0]!.globalOf! };
  // Broadcast back by upsample() (no longer 1x1, nothing to follow), or tied to the built size.
  if (!graph.broadcasts.has(name)) graph.dynamicSpatial = false;
  return {};
}

function metadataProps(meta: OnnxMeta): onnx.IStringStringEntryProto[] {
  const entries: onnx.IStringStringEntryProto[] = [];
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text === undefined) throw new ApiError('VALIDATION', `Cannot export to ONNX: metadata "${key}" is not JSON-serialisable.`);
    entries.push({ key, value: text });
  }
  return entries;
}

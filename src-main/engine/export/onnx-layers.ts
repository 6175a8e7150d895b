import { batchNorm, conv, convTranspose } from './onnx-conv-writers';
import { float, int, ints, text } from './onnx-graph';
import type { Graph } from './onnx-graph';
import { checkChannelsLast, depthwiseToOihw, hwioToOihw, nchwAxis, pair, paddingAttributes, unsupported } from './onnx-layer-kit';
import type { Emit } from './onnx-layer-kit';

/** One ONNX writer per tfjs layer class: each adds the layer's ops to the graph and returns its output's name. */

/** Layers that compute nothing at inference: their output is their input. */
export const passThrough = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

export const layerWriters: Record<string, (emit: Emit) => string> = {
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

export const exportableLayerClasses: readonly string[] = [...Object.keys(layerWriters), ...passThrough].sort();

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

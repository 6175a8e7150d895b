import { checkChannelsLast, hwoiToIohw, nchwAxis, need, pair, paddingAttributes, unsupported, weightsOf } from './onnx-layer-kit';
import type { Emit } from './onnx-layer-kit';
import { float, int, ints } from './onnx-graph';

/** The ONNX export's writers of layers with weights: convolutions (plain, grouped, transposed) and batch norm. */

export function conv(emit: Emit, kernelRole: string, layout: (data: Float32Array, shape: number[]) => Float32Array, group: number): string {
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

export function convTranspose(emit: Emit): string {
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

export function batchNorm({ graph, layer, config, inputs, values }: Emit): string {
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

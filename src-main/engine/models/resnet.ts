import * as tfl from '@tensorflow/tfjs-layers';
import { AtrousConv2D } from './atrous-conv';
import { batchNormalization } from './batch-norm';
import type { Sym } from './blocks';
import type { SafetensorsFile } from './safetensors';
import { loadTorchWeights } from './torch-weights';

/**
 * ResNet encoders (He et al. 2016) as torchvision and timm build them (`resnet18`, `resnet34`:
 * basic blocks; `resnet50`: bottlenecks with the stride on the 3x3, "v1.5"), NHWC. Every layer
 * that holds weights is named after its PyTorch module, behind a prefix: `encoder.conv1`,
 * `encoder.layer1.0.bn2`, `encoder.layer2.0.downsample.0`, ... so a state_dict maps onto it one to
 * one (models/torch-weights.ts). Features are taken where segmentation_models_pytorch takes them:
 * after conv1-bn1-relu (stride 2) and after each of layer1..layer4 (strides 4 to 32).
 *
 * PyTorch pads symmetrically (padding = kernel // 2) where TensorFlow's 'same' pads a stride-2
 * layer more at the bottom and right, so stride-2 layers pad explicitly and convolve 'valid'. The
 * max pool pads with zeros where PyTorch pads with -inf: it follows a ReLU, so no window's
 * maximum changes. Batch norm uses PyTorch's eps (1e-5) and momentum (0.1, Keras' 0.9).
 */

export type ResnetName = 'resnet18' | 'resnet34' | 'resnet50';

const architectures: Record<ResnetName, { bottleneck: boolean; blocks: readonly [number, number, number, number] }> = {
  resnet18: { bottleneck: false, blocks: [2, 2, 2, 2] },
  resnet34: { bottleneck: false, blocks: [3, 4, 6, 3] },
  resnet50: { bottleneck: true, blocks: [3, 4, 6, 3] },
};
const planes = [64, 128, 256, 512] as const;

interface ResnetFeatures {
  /** The stem (conv1, bn1, relu), then layer1..layer4, each [batch, height / stride, width / stride, channels]. */
  stages: Sym[];
  /** Each stage's stride: [2, 4, 8, 16, 32], or [2, 4, 8, 16, 16] and [2, 4, 8, 8, 8] when dilated. */
  strides: number[];
  channels: number[];
}

interface ResnetOptions {
  /**
   * 32, or 16 and 8 as segmentation_models_pytorch dilates (its `make_dilated`): layer4 (and at 8
   * layer3 too) keeps its input's resolution; each of its convolutions gets stride 1 and dilation
   * 2 (layer4 at 8: 4), its 3x3 ones padding equal to the dilation.
   */
  outputStride?: 8 | 16 | 32;
  /** Put before every layer name; 'encoder.' (segmentation_models_pytorch's own prefix) if left out. */
  prefix?: string;
}

function conv(x: Sym, name: string, filters: number, kernel: number, stride: number, dilation: number): Sym {
  if (dilation > 1 && kernel > 1) return new AtrousConv2D({ filters, kernelSize: kernel, dilation, name }).apply(x) as Sym;
  const pad = stride > 1 ? Math.floor(kernel / 2) : 0;
  const input = pad > 0 ? (tfl.layers.zeroPadding2d({ padding: pad, name: `${name}_pad` }).apply(x) as Sym) : x;
  return tfl.layers
    .conv2d({ filters, kernelSize: kernel, strides: stride, padding: stride > 1 ? 'valid' : 'same', useBias: false, kernelInitializer: 'heNormal', name })
    .apply(input) as Sym;
}

const bn = (x: Sym, name: string): Sym => batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as Sym;
const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name }).apply(x) as Sym;

/** torchvision's BasicBlock or Bottleneck, `name` its module path (`encoder.layer2.0`). */
function block(x: Sym, name: string, inChannels: number, width: number, bottleneck: boolean, stride: number, dilation: number): Sym {
  const outChannels = bottleneck ? width * 4 : width;
  let y: Sym;
  if (bottleneck) {
    y = relu(bn(conv(x, `${name}.conv1`, width, 1, 1, 1), `${name}.bn1`), `${name}.relu1`);
    y = relu(bn(conv(y, `${name}.conv2`, width, 3, stride, dilation), `${name}.bn2`), `${name}.relu2`);
    y = bn(conv(y, `${name}.conv3`, outChannels, 1, 1, 1), `${name}.bn3`);
  } else {
    y = relu(bn(conv(x, `${name}.conv1`, width, 3, stride, dilation), `${name}.bn1`), `${name}.relu1`);
    y = bn(conv(y, `${name}.conv2`, width, 3, 1, dilation), `${name}.bn2`);
  }
  const shortcut = stride !== 1 || inChannels !== outChannels ? bn(conv(x, `${name}.downsample.0`, outChannels, 1, stride, 1), `${name}.downsample.1`) : x;
  return relu(tfl.layers.add({ name: `${name}.add` }).apply([y, shortcut]) as Sym, `${name}.relu`);
}

export function resnetEncoder(input: Sym, variant: ResnetName, options: ResnetOptions = {}): ResnetFeatures {
  const prefix = options.prefix ?? 'encoder.';
  const outputStride = options.outputStride ?? 32;
  const { bottleneck, blocks } = architectures[variant];
  let x = relu(bn(conv(input, `${prefix}conv1`, 64, 7, 2, 1), `${prefix}bn1`), `${prefix}relu`);
  const stages = [x];
  const strides = [2];
  const channels = [64];
  x = tfl.layers.zeroPadding2d({ padding: 1, name: `${prefix}maxpool_pad` }).apply(x) as Sym;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: `${prefix}maxpool` }).apply(x) as Sym;
  let stride = 4;
  let dilation = 1;
  let inChannels = 64;
  for (const [index, width] of planes.entries()) {
    let stageStride = index === 0 ? 1 : 2;
    if (stageStride === 2 && stride * 2 > outputStride) {
      // segmentation_models_pytorch's make_dilated: the whole stage at stride 1, dilated.
      stageStride = 1;
      dilation *= 2;
    }
    for (let b = 0; b < blocks[index]!; b += 1) {
      x = block(x, `${prefix}layer${index + 1}.${b}`, inChannels, width, bottleneck, b === 0 ? stageStride : 1, dilation);
      inChannels = bottleneck ? width * 4 : width;
    }
    stride *= stageStride;
    stages.push(x);
    strides.push(stride);
    channels.push(inChannels);
  }
  return { stages, strides, channels };
}

/**
 * Sets a ResNet encoder's weights from a torchvision or timm state_dict of the same variant (keys
 * `conv1.weight`, `bn1.running_var`, `layer1.0.conv1.weight`, ...; `fc.*`, the classifier, may be
 * present or not and is left out). `source` names the file in errors.
 */
export function loadResnetWeights(
  model: tfl.LayersModel,
  file: SafetensorsFile,
  source: string,
  variant: ResnetName,
  prefix = 'encoder.',
): ReturnType<typeof loadTorchWeights> {
  return loadTorchWeights(model, file, source, {
    label: `${variant} encoder`,
    prefix,
    ignore: (key) => key === 'fc.weight' || key === 'fc.bias',
    inputConv: 'conv1',
    expected: `a ${variant} state_dict as timm or torchvision save it (the classifier may be absent)`,
  });
}

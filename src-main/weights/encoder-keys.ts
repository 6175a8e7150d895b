import { ApiError } from '../../src-shared/errors';
import type { SafetensorsHeader } from '../../src-shared/safetensors-header';
import { isEfficientnet, isResnet } from '../../src-shared/encoders';
import { efficientnetShape, timmEfficientnetKey } from '../../src-shared/efficientnet-keys';
import type { EfficientnetVariant } from '../../src-shared/efficientnet-keys';
import { mobilenetV2Stages, timmMobilenetV2Key } from '../../src-shared/mobilenet-keys';
import { encoderArchitectures } from './catalogue';
import type { EncoderArchitecture } from './catalogue';

/**
 * The state_dict a ResNet encoder's weights file holds, as torchvision names it and timm keeps it
 * (torchvision/models/resnet.py; timm/models/resnet.py keeps the names "for weight compatibility"):
 * conv1 and bn1, then layer1..layer4 of basic blocks (resnet18, 34: conv1-bn1, conv2-bn2) or
 * bottlenecks (resnet50: 1x1, 3x3, 1x1 with four times the width), each stage's first block with
 * `downsample.0` (1x1 conv) and `downsample.1` (batch norm) where the shape changes. MobileNetV2's
 * is torchvision's `features.*` (timm's `mobilenetv2_100` names are renamed to it first,
 * src-shared/mobilenet-keys.ts). Main checks a file against it before the file enters the weights
 * cache, from the header alone; the engine's loader checks it again against the model it builds.
 */

interface ResnetShape {
  blocks: [number, number, number, number];
  bottleneck: boolean;
}

const resnets: Record<'resnet18' | 'resnet34' | 'resnet50', ResnetShape> = {
  resnet18: { blocks: [2, 2, 2, 2], bottleneck: false },
  resnet34: { blocks: [3, 4, 6, 3], bottleneck: false },
  resnet50: { blocks: [3, 4, 6, 3], bottleneck: true },
};

const floatDtypes = ['F32', 'F16', 'BF16'];

/** Adds a batch norm's four tensors (weight, bias, running_mean, running_var) of `channels` each. */
const batchNormInto =
  (tensors: Map<string, number[]>) =>
  (name: string, channels: number): void => {
    for (const part of ['weight', 'bias', 'running_mean', 'running_var']) tensors.set(`${name}.${part}`, [channels]);
  };

/** torchvision's mobilenet_v2 (width 1.0): the stem, 17 inverted residuals, the 1x1 head to 1280. */
function mobilenetV2Tensors(): Map<string, number[]> {
  const tensors = new Map<string, number[]>();
  const batchNorm = batchNormInto(tensors);
  tensors.set('features.0.0.weight', [32, 3, 3, 3]);
  batchNorm('features.0.1', 32);
  let index = 1;
  let inputs = 32;
  for (const [expansion, outputs, repeats] of mobilenetV2Stages) {
    for (let r = 0; r < repeats; r += 1) {
      const conv = `features.${index}.conv`;
      const hidden = inputs * expansion;
      let part = 0;
      if (expansion !== 1) {
        tensors.set(`${conv}.0.0.weight`, [hidden, inputs, 1, 1]);
        batchNorm(`${conv}.0.1`, hidden);
        part = 1;
      }
      tensors.set(`${conv}.${part}.0.weight`, [hidden, 1, 3, 3]);
      batchNorm(`${conv}.${part}.1`, hidden);
      tensors.set(`${conv}.${part + 1}.weight`, [outputs, hidden, 1, 1]);
      batchNorm(`${conv}.${part + 2}`, outputs);
      inputs = outputs;
      index += 1;
    }
  }
  tensors.set('features.18.0.weight', [1280, 320, 1, 1]);
  batchNorm('features.18.1', 1280);
  return tensors;
}

/** torchvision's efficientnet_bN: the stem, the MBConv blocks with squeeze-and-excitation, the 1x1 head (1280 in B0). */
function efficientnetTensors(variant: EfficientnetVariant): Map<string, number[]> {
  const tensors = new Map<string, number[]>();
  const batchNorm = batchNormInto(tensors);
  const shape = efficientnetShape(variant);
  tensors.set('features.0.0.weight', [shape.stem, 3, 3, 3]);
  batchNorm('features.0.1', shape.stem);
  let inputs = shape.stem;
  shape.stages.forEach(({ expansion, kernel, channels: outputs, repeats }, s) => {
    for (let b = 0; b < repeats; b += 1) {
      const block = `features.${s + 1}.${b}.block`;
      const hidden = inputs * expansion;
      const squeeze = Math.max(1, Math.floor(inputs / 4));
      let part = 0;
      if (expansion !== 1) {
        tensors.set(`${block}.0.0.weight`, [hidden, inputs, 1, 1]);
        batchNorm(`${block}.0.1`, hidden);
        part = 1;
      }
      tensors.set(`${block}.${part}.0.weight`, [hidden, 1, kernel, kernel]);
      batchNorm(`${block}.${part}.1`, hidden);
      tensors.set(`${block}.${part + 1}.fc1.weight`, [squeeze, hidden, 1, 1]);
      tensors.set(`${block}.${part + 1}.fc1.bias`, [squeeze]);
      tensors.set(`${block}.${part + 1}.fc2.weight`, [hidden, squeeze, 1, 1]);
      tensors.set(`${block}.${part + 1}.fc2.bias`, [hidden]);
      tensors.set(`${block}.${part + 2}.0.weight`, [outputs, hidden, 1, 1]);
      batchNorm(`${block}.${part + 2}.1`, outputs);
      inputs = outputs;
    }
  });
  tensors.set('features.8.0.weight', [shape.head, inputs, 1, 1]);
  batchNorm('features.8.1', shape.head);
  return tensors;
}

/** Every tensor of the architecture's state_dict but the classifier and the batch-norm counters, with its shape. */
export function encoderTensors(architecture: EncoderArchitecture): Map<string, number[]> {
  if (architecture === 'mobilenet_v2') return mobilenetV2Tensors();
  if (isEfficientnet(architecture)) return efficientnetTensors(architecture);
  const { blocks, bottleneck } = resnets[architecture];
  const tensors = new Map<string, number[]>();
  const batchNorm = batchNormInto(tensors);
  tensors.set('conv1.weight', [64, 3, 7, 7]);
  batchNorm('bn1', 64);
  let inputs = 64;
  blocks.forEach((count, stage) => {
    const width = 64 * 2 ** stage;
    const outputs = bottleneck ? width * 4 : width;
    for (let b = 0; b < count; b += 1) {
      const block = `layer${stage + 1}.${b}`;
      const convs: [number, number, number][] = bottleneck
        ? [
            [width, inputs, 1],
            [width, width, 3],
            [outputs, width, 1],
          ]
        : [
            [width, inputs, 3],
            [width, width, 3],
          ];
      convs.forEach(([out, into, k], i) => {
        tensors.set(`${block}.conv${i + 1}.weight`, [out, into, k, k]);
        batchNorm(`${block}.bn${i + 1}`, out);
      });
      if (b === 0 && (stage > 0 || inputs !== outputs)) {
        tensors.set(`${block}.downsample.0.weight`, [outputs, inputs, 1, 1]);
        batchNorm(`${block}.downsample.1`, outputs);
      }
      inputs = outputs;
    }
  });
  return tensors;
}

/** The classifier's keys (weight, bias) and input features: its weight is [classes, this]. */
function classifierOf(architecture: EncoderArchitecture): { weight: string; bias: string; inputs: number } {
  if (isEfficientnet(architecture)) return { weight: 'classifier.1.weight', bias: 'classifier.1.bias', inputs: efficientnetShape(architecture).head };
  if (!isResnet(architecture)) return { weight: 'classifier.1.weight', bias: 'classifier.1.bias', inputs: 1280 };
  return { weight: 'fc.weight', bias: 'fc.bias', inputs: resnets[architecture].bottleneck ? 2048 : 512 };
}

/** A key in the layout encoderTensors lists: timm's MobileNetV2 names are renamed to torchvision's. */
function canonicalKey(architecture: EncoderArchitecture, key: string): string {
  if (architecture === 'mobilenet_v2') return timmMobilenetV2Key(key) ?? key;
  if (isEfficientnet(architecture)) return timmEfficientnetKey(architecture, key) ?? key;
  return key;
}

interface KeyReport {
  architecture: EncoderArchitecture;
  missing: string[];
  unexpected: string[];
  misshapen: string[];
  notFloat: string[];
  /** Tensors that fit. */
  fitting: number;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

function compare(header: SafetensorsHeader, architecture: EncoderArchitecture): KeyReport {
  const expected = encoderTensors(architecture);
  const report: KeyReport = { architecture, missing: [], unexpected: [], misshapen: [], notFloat: [], fitting: 0 };
  const head = classifierOf(architecture);
  const present = new Set<string>();
  for (const [fileKey, tensor] of header.tensors) {
    const key = canonicalKey(architecture, fileKey);
    present.add(key);
    const shape = expected.get(key);
    const counter = key.endsWith('.num_batches_tracked') && expected.has(key.replace(/num_batches_tracked$/, 'running_mean'));
    const classifier = key === head.weight || key === head.bias;
    if (counter) continue;
    if (!shape && !classifier) {
      report.unexpected.push(fileKey);
      continue;
    }
    if (!floatDtypes.includes(tensor.dtype)) report.notFloat.push(`${fileKey} (${tensor.dtype})`);
    const fits = classifier
      ? key === head.weight
        ? tensor.shape.length === 2 && tensor.shape[1] === head.inputs
        : tensor.shape.length === 1
      : shapeText(tensor.shape) === shapeText(shape ?? []);
    if (!fits)
      report.misshapen.push(
        `${fileKey} is ${shapeText(tensor.shape)}, ${architecture} has ${classifier ? (key === head.weight ? `[classes, ${head.inputs}]` : '[classes]') : shapeText(shape ?? [])}`,
      );
    else if (!classifier) report.fitting += 1;
  }
  for (const key of expected.keys()) if (!present.has(key)) report.missing.push(key);
  return report;
}

const problems = (r: KeyReport): number => r.missing.length + r.unexpected.length + r.misshapen.length + r.notFloat.length;

const listed = (keys: string[]): string => (keys.length > 5 ? `${keys.slice(0, 5).join(', ')} and ${keys.length - 5} more` : keys.join(', '));

/**
 * The prefix before every key when the state_dict was saved from a wrapper (`encoder.` from
 * segmentation_models_pytorch, `module.` from DataParallel), found from the stem's convolution.
 */
function keyPrefix(header: SafetensorsHeader): string | null {
  for (const stemKey of ['conv1.weight', 'features.0.0.weight', 'conv_stem.weight']) {
    const stem = [...header.tensors.keys()].find((key) => key.endsWith(`.${stemKey}`) && !key.includes('layer'));
    if (stem) return stem.slice(0, -stemKey.length);
  }
  return null;
}

/** The architecture the header would hold with its keys' prefix removed. */
function withoutPrefix(header: SafetensorsHeader): { prefix: string; architecture: EncoderArchitecture } | null {
  const prefix = keyPrefix(header);
  if (!prefix) return null;
  const tensors = new Map([...header.tensors].filter(([key]) => key.startsWith(prefix)).map(([key, tensor]) => [key.slice(prefix.length), tensor]));
  const architecture = encoderArchitectures.find((a) => problems(compare({ metadata: header.metadata, tensors }, a)) === 0);
  return architecture ? { prefix, architecture } : null;
}

function describe(report: KeyReport, source: string): string {
  const expected = encoderTensors(report.architecture);
  const parts = [
    report.missing.length > 0 && `missing ${listed(report.missing)}`,
    report.unexpected.length > 0 && `not in ${report.architecture}: ${listed(report.unexpected)}`,
    report.misshapen.length > 0 && `shapes differ: ${listed(report.misshapen)}`,
    report.notFloat.length > 0 && `not float (F32, F16 or BF16): ${listed(report.notFloat)}`,
  ].filter((part): part is string => typeof part === 'string');
  const head = `${report.architecture}'s weights as timm and torchvision name them (${report.fitting} of ${report.architecture}'s ${expected.size} tensors are there with their shapes): ${parts.join('; ')}. `;
  if (isEfficientnet(report.architecture)) {
    return (
      `${source} does not hold ${head}` +
      `Expected: timm's ${report.architecture.replace('-', '_')} names` +
      ` (conv_stem.weight [${efficientnetShape(report.architecture).stem}, 3, 3, 3], blocks.0.0.conv_dw.weight, blocks.0.0.se.conv_reduce.*, ..., conv_head.weight, classifier.* optional) or torchvision's (features.0.0.weight ... features.8.1.*), keys without a prefix such as "encoder." or "module.".`
    );
  }
  if (!isResnet(report.architecture)) {
    return (
      `${source} does not hold ${head}` +
      'Expected: torchvision\'s features.0.0.weight [32, 3, 3, 3] ... features.18.1.* and classifier.1.* (optional), or timm\'s mobilenetv2_100 names (conv_stem.weight, blocks.0.0.conv_dw.weight, ..., conv_head.weight, classifier.* optional), keys without a prefix such as "encoder." or "module.".'
    );
  }
  const { blocks, bottleneck } = resnets[report.architecture];
  return (
    `${source} does not hold ${head}` +
    `Expected: conv1.weight [64, 3, 7, 7], bn1.*, then layer1..layer4 of ${blocks.join(', ')} ${bottleneck ? 'bottleneck' : 'basic'} blocks (layer1.0.conv1.weight ${shapeText(expected.get('layer1.0.conv1.weight') ?? [])}, ...), keys without a prefix such as "encoder." or "module.", fc.* optional.`
  );
}

/** Refuses a header whose tensors are not `architecture`'s state_dict, saying what differs and what was expected. */
export function checkEncoderKeys(header: SafetensorsHeader, architecture: EncoderArchitecture, source: string): void {
  const report = compare(header, architecture);
  if (problems(report) === 0) return;
  const other = encoderArchitectures.find((a) => a !== architecture && problems(compare(header, a)) === 0);
  throw new ApiError('VALIDATION', `${describe(report, source)}${other ? ` It holds ${other}'s weights: import it as ${other}.` : prefixAdvice(header)}`);
}

/** What to do about a prefix, when removing it would make the file fit. */
function prefixAdvice(header: SafetensorsHeader): string {
  const stripped = withoutPrefix(header);
  if (!stripped) return '';
  return ` Its keys begin with "${stripped.prefix}"; without it they are ${stripped.architecture}'s: save the encoder's own state_dict (model.encoder.state_dict() for segmentation_models_pytorch), or rename the keys, and import that.`;
}

/** The architecture whose state_dict the header holds, or an error describing the closest. */
export function identifyEncoder(header: SafetensorsHeader, source: string): EncoderArchitecture {
  const reports = encoderArchitectures.map((a) => compare(header, a));
  const exact = reports.find((r) => problems(r) === 0);
  if (exact) return exact.architecture;
  const stripped = withoutPrefix(header);
  const closest = stripped
    ? compare(header, stripped.architecture)
    : reports.reduce((best, r) => (r.fitting > best.fitting || (r.fitting === best.fitting && problems(r) < problems(best)) ? r : best));
  const advice = stripped
    ? prefixAdvice(header)
    : ` SegBench reads the weights of ${encoderArchitectures.join(', ')}; pass --name to say which one the file should be.`;
  throw new ApiError('VALIDATION', `${describe(closest, source)}${advice}`);
}

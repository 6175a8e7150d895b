import { encoderNames } from '../../src-shared/encoders';
import type { EncoderName } from '../../src-shared/encoders';
import { ApiError } from '../../src-shared/errors';

/**
 * The pretrained encoder weights SegBench knows where to find: timm's files on the Hugging Face
 * hub. timm publishes each pretrained tag as a repository `timm/<model>.<tag>` holding
 * `model.safetensors` (timm/models/_registry.py completes `hf_hub_id='timm/'` with the model name
 * and tag; _hub.py names the file), and its ResNets keep torchvision's module names (conv1, bn1,
 * layer1.0.conv1, ..., fc), the names the engine's loader maps (engine/models/torch-weights.ts).
 * timm calls MobileNetV2 at width 1.0 `mobilenetv2_100` and names its modules its own way
 * (conv_stem, blocks.*, conv_head), renamed to torchvision's on load (src-shared/mobilenet-keys.ts);
 * so does its `efficientnet_b0` (src-shared/efficientnet-keys.ts).
 *
 * A bare architecture name is timm's default tag for it, the weights `timm.create_model(name,
 * pretrained=True)` loads: `a1_in1k` for the ResNets, `ra_in1k` for mobilenetv2_100, efficientnet_b0
 * and b2, `ft_in1k` for b1, `ra2_in1k` for b3 (the first tag
 * with weights in timm's default_cfgs).
 */

/** The architectures with weights here are the encoders a model takes (src-shared/encoders.ts). */
export const encoderArchitectures = encoderNames;
export type EncoderArchitecture = EncoderName;

export interface CatalogueWeights {
  /** `resnet34.a1_in1k`: timm's model name and tag. */
  name: string;
  architecture: EncoderArchitecture;
  /** The hub repository: `timm/resnet34.a1_in1k`. */
  repo: string;
  /** The file in the repository. */
  file: string;
  /** What the tag is, in words. */
  about: string;
  /** Float32 size from the parameter count, for messages before the hub says the exact size. */
  approxMB: number;
}

const tags: Record<string, string> = {
  a1_in1k: "ImageNet-1k, timm's ResNet Strikes Back A1 recipe (timm's default)",
  tv_in1k: "ImageNet-1k, torchvision's original weights",
  tv2_in1k: "ImageNet-1k, torchvision's second recipe (IMAGENET1K_V2)",
  ra_in1k: "ImageNet-1k, timm's RandAugment recipe (timm's default)",
  ra2_in1k: "ImageNet-1k, timm's RandAugment v2 recipe (timm's default)",
  ft_in1k: "ImageNet-1k, timm's weights fine-tuned at a larger size (timm's default)",
};

/** timm's model name of each architecture, and the tag `timm.create_model(name, pretrained=True)` loads. */
const timm: Record<EncoderArchitecture, { model: string; defaultTag: string }> = {
  resnet18: { model: 'resnet18', defaultTag: 'a1_in1k' },
  resnet34: { model: 'resnet34', defaultTag: 'a1_in1k' },
  resnet50: { model: 'resnet50', defaultTag: 'a1_in1k' },
  mobilenet_v2: { model: 'mobilenetv2_100', defaultTag: 'ra_in1k' },
  'efficientnet-b0': { model: 'efficientnet_b0', defaultTag: 'ra_in1k' },
  'efficientnet-b1': { model: 'efficientnet_b1', defaultTag: 'ft_in1k' },
  'efficientnet-b2': { model: 'efficientnet_b2', defaultTag: 'ra_in1k' },
  'efficientnet-b3': { model: 'efficientnet_b3', defaultTag: 'ra2_in1k' },
};

/** Parameters with the classifier, in millions (torchvision's model cards), times 4 bytes. */
const approxMB: Record<EncoderArchitecture, number> = {
  resnet18: 47,
  resnet34: 87,
  resnet50: 103,
  mobilenet_v2: 14,
  'efficientnet-b0': 21,
  'efficientnet-b1': 31,
  'efficientnet-b2': 37,
  'efficientnet-b3': 49,
};

const entry = (architecture: EncoderArchitecture, tag: string): CatalogueWeights => ({
  name: `${timm[architecture].model}.${tag}`,
  architecture,
  repo: `timm/${timm[architecture].model}.${tag}`,
  file: 'model.safetensors',
  about: tags[tag] ?? tag,
  approxMB: approxMB[architecture],
});

const weightsCatalogue: readonly CatalogueWeights[] = [
  entry('resnet18', 'a1_in1k'),
  entry('resnet18', 'tv_in1k'),
  entry('resnet34', 'a1_in1k'),
  entry('resnet34', 'tv_in1k'),
  entry('resnet50', 'a1_in1k'),
  entry('resnet50', 'tv_in1k'),
  entry('resnet50', 'tv2_in1k'),
  entry('mobilenet_v2', 'ra_in1k'),
  entry('efficientnet-b0', 'ra_in1k'),
  entry('efficientnet-b1', 'ft_in1k'),
  entry('efficientnet-b2', 'ra_in1k'),
  entry('efficientnet-b3', 'ra2_in1k'),
];

export const isEncoderArchitecture = (name: string): name is EncoderArchitecture => (encoderArchitectures as readonly string[]).includes(name);

/** Every name `weights pull` takes, for messages. */
export function catalogueNames(): string[] {
  return [...encoderArchitectures, ...weightsCatalogue.map((w) => w.name)];
}

/** timm's model name for an architecture: `mobilenetv2_100` for mobilenet_v2; the ResNets keep theirs. */
export const timmModelName = (architecture: EncoderArchitecture): string => timm[architecture].model;

/**
 * The weights a name stands for: `resnet34` (timm's default tag), `resnet34.tv_in1k`, or the
 * repository `timm/resnet34.tv_in1k`; `mobilenet_v2` or `mobilenetv2_100` for timm's default
 * MobileNetV2. Case does not matter.
 */
export function findCatalogueWeights(name: string): CatalogueWeights {
  const wanted = name.trim().toLowerCase();
  const architecture = encoderArchitectures.find((a) => a === wanted || timm[a].model === wanted);
  const full = architecture ? `${timm[architecture].model}.${timm[architecture].defaultTag}` : wanted;
  const found = weightsCatalogue.find((w) => w.name === full || w.repo.toLowerCase() === full);
  if (!found) {
    throw new ApiError(
      'VALIDATION',
      `No pretrained weights are known as "${name}". Valid names: ${catalogueNames().join(', ')} (a bare architecture is timm's default tag).`,
    );
  }
  return found;
}

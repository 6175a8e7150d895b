import { readFileSync } from 'node:fs';
import type { EncoderName } from '../../src-shared/encoders';
import { join } from 'node:path';
import { encodeSafetensors } from './safetensors';
import type { TensorBytes } from './safetensors';

/**
 * A state_dict file shaped as timm's model.safetensors for a ResNet: torchvision's keys, shapes and
 * dtypes as PyTorch itself listed them (tests/fixtures/encoders/resnet.json, written by
 * make_fixture.py from torchvision's models), the classifier fc.* added as timm keeps it (1000
 * ImageNet classes). Values are a cheap byte pattern: these files test transfers and key checks,
 * not numbers.
 */

type Architecture = 'resnet18' | 'resnet34' | 'resnet50';

const fixtureDir = join(process.cwd(), 'tests', 'fixtures', 'encoders');
const fixture = JSON.parse(readFileSync(join(fixtureDir, 'resnet.json'), 'utf8')) as {
  architectures: Record<Architecture, [string, number[], string][]>;
};
const smp = JSON.parse(readFileSync(join(fixtureDir, 'smp-unet.json'), 'utf8')) as { cases: Record<string, { keys: [string, number[], string][] }> };

/**
 * torchvision's state_dict of the architecture without the classifier: key, shape, dtype, as
 * PyTorch listed them (resnet.json; mobilenet_v2's and efficientnet-b0's from the SMP U-Net's
 * encoder in smp-unet.json, efficientnet-b0's unused 1x1 head features.8 included).
 */
export function torchvisionKeys(architecture: EncoderName): [string, number[], string][] {
  if (architecture === 'resnet18' || architecture === 'resnet34' || architecture === 'resnet50') return fixture.architectures[architecture];
  return smp.cases[`unet-${architecture}`]!.keys.filter(([key]) => key.startsWith('encoder.')).map(([key, shape, dtype]) => [
    key.slice('encoder.'.length),
    shape,
    dtype,
  ]);
}

const bytesOf: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8 };

interface TimmFileOptions {
  /** The dtype of the float tensors (timm's files are F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Leave out fc.weight and fc.bias. */
  noClassifier?: boolean;
  /** Written before every key (`encoder.` as segmentation_models_pytorch saves its models). */
  prefix?: string;
  /** Changes the pattern, so two files of one architecture differ. */
  seed?: number;
}

export function timmResnetFile(architecture: Architecture, options: TimmFileOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  const features = architecture === 'resnet50' ? 2048 : 512;
  const keys: [string, number[], string][] = [...torchvisionKeys(architecture)];
  if (!options.noClassifier) keys.push(['fc.weight', [1000, features], 'F32'], ['fc.bias', [1000], 'F32']);
  const tensors: TensorBytes[] = keys.map(([name, shape, stored]) => {
    const type = stored === 'F32' ? dtype : stored;
    const bytes = new Uint8Array(shape.reduce((a, b) => a * b, 1) * (bytesOf[type] ?? 4));
    for (let i = 0; i < bytes.length; i += 4099) bytes[i] = (i + (options.seed ?? 0)) & 0xff;
    return { name: `${options.prefix ?? ''}${name}`, dtype: type, shape, bytes };
  });
  return encodeSafetensors(tensors);
}

/** torchvision's key as timm names it: features.N is block B of stage S, stages of 1, 2, 3, 4, 3, 3, 1 blocks. */
export function timmMobilenetKey(key: string): string {
  const starts = [1, 2, 4, 7, 11, 14, 17];
  const head: Record<string, string> = {
    'features.0.0': 'conv_stem',
    'features.0.1': 'bn1',
    'features.18.0': 'conv_head',
    'features.18.1': 'bn2',
    'classifier.1': 'classifier',
  };
  const top = /^(features\.(?:0|18)\.[01]|classifier\.1)\.(.+)$/.exec(key);
  if (top) return `${head[top[1]!]}.${top[2]}`;
  const block = /^features\.(\d+)\.conv\.(\d(?:\.\d)?)\.(.+)$/.exec(key)!;
  const index = Number(block[1]);
  const stage = starts.findLastIndex((s) => s <= index);
  const modules: Record<string, string> =
    stage === 0
      ? { '0.0': 'conv_dw', '0.1': 'bn1', '1': 'conv_pw', '2': 'bn2' }
      : { '0.0': 'conv_pw', '0.1': 'bn1', '1.0': 'conv_dw', '1.1': 'bn2', '2': 'conv_pwl', '3': 'bn3' };
  return `blocks.${stage}.${index - starts[stage]!}.${modules[block[2]!]}.${block[3]}`;
}

/** torchvision's efficientnet_b0 key as timm names it: features.S+1.B.block.X is blocks.S.B (stage 0 depthwise-separable). */
export function timmEfficientnetKey(key: string): string {
  const head: Record<string, string> = {
    'features.0.0': 'conv_stem',
    'features.0.1': 'bn1',
    'features.8.0': 'conv_head',
    'features.8.1': 'bn2',
    'classifier.1': 'classifier',
  };
  const top = /^(features\.(?:0|8)\.[01]|classifier\.1)\.(.+)$/.exec(key);
  if (top) return `${head[top[1]!]}.${top[2]}`;
  const block = /^features\.(\d+)\.(\d+)\.block\.(\d\.(?:\d|fc1|fc2))\.(.+)$/.exec(key)!;
  const stage = Number(block[1]) - 1;
  const modules: Record<string, string> =
    stage === 0
      ? { '0.0': 'conv_dw', '0.1': 'bn1', '1.fc1': 'se.conv_reduce', '1.fc2': 'se.conv_expand', '2.0': 'conv_pw', '2.1': 'bn2' }
      : {
          '0.0': 'conv_pw',
          '0.1': 'bn1',
          '1.0': 'conv_dw',
          '1.1': 'bn2',
          '2.fc1': 'se.conv_reduce',
          '2.fc2': 'se.conv_expand',
          '3.0': 'conv_pwl',
          '3.1': 'bn3',
        };
  return `blocks.${stage}.${block[2]}.${modules[block[3]!]}.${block[4]}`;
}

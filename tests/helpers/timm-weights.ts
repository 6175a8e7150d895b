import { readFileSync } from 'node:fs';
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

const fixture = JSON.parse(readFileSync(join(process.cwd(), 'tests', 'fixtures', 'encoders', 'resnet.json'), 'utf8')) as {
  architectures: Record<Architecture, [string, number[], string][]>;
};

/** torchvision's state_dict of the architecture without the classifier: key, shape, dtype. */
export function torchvisionKeys(architecture: Architecture): [string, number[], string][] {
  return fixture.architectures[architecture];
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

/**
 * EfficientNet-B0 to B3 (Tan and Le 2019) as torchvision and timm lay them out: their stages, and
 * timm's `efficientnet_bN` state_dict keys in torchvision's `efficientnet_bN` layout (B0 shown).
 *
 *   conv_stem, bn1                          -> features.0.0, features.0.1
 *   blocks.0.B (depthwise-separable):       conv_dw, bn1, se.conv_reduce, se.conv_expand, conv_pw, bn2
 *                                           -> features.1.B.block.0.0, .0.1, .1.fc1, .1.fc2, .2.0, .2.1
 *   blocks.S.B (inverted residual, S >= 1): conv_pw, bn1, conv_dw, bn2, se.conv_reduce, se.conv_expand, conv_pwl, bn3
 *                                           -> features.S+1.B.block.0.0, .0.1, .1.0, .1.1, .2.fc1, .2.fc2, .3.0, .3.1
 *   conv_head, bn2                          -> features.8.0, features.8.1
 *   classifier                              -> classifier.1
 *
 * Null for a key of neither layout; a torchvision key comes back as it is.
 */

export type EfficientnetVariant = 'efficientnet-b0' | 'efficientnet-b1' | 'efficientnet-b2' | 'efficientnet-b3';

/** expansion, kernel, first stride, output channels, blocks: B0's (width and depth 1.0). */
const b0Stages: readonly (readonly [expansion: number, kernel: number, stride: number, channels: number, repeats: number])[] = [
  [1, 3, 1, 16, 1],
  [6, 3, 2, 24, 2],
  [6, 5, 2, 40, 2],
  [6, 3, 2, 80, 3],
  [6, 5, 1, 112, 3],
  [6, 5, 2, 192, 4],
  [6, 3, 1, 320, 1],
];

/** Width and depth multipliers (torchvision's efficientnet_b1..b3, timm's the same). */
const multipliers: Record<EfficientnetVariant, { width: number; depth: number }> = {
  'efficientnet-b0': { width: 1, depth: 1 },
  'efficientnet-b1': { width: 1, depth: 1.1 },
  'efficientnet-b2': { width: 1.1, depth: 1.2 },
  'efficientnet-b3': { width: 1.2, depth: 1.4 },
};

/** Channels scaled to a multiple of 8, never more than 10% below the scaled value (torchvision's _make_divisible, timm's make_divisible). */
function divisible(value: number): number {
  const rounded = Math.max(8, Math.floor((value + 4) / 8) * 8);
  return rounded < 0.9 * value ? rounded + 8 : rounded;
}

interface EfficientnetShape {
  stem: number;
  /** The 1x1 head's width (unused by the encoder, present in the weights). */
  head: number;
  stages: { expansion: number; kernel: number; stride: number; channels: number; repeats: number }[];
}

/** A variant's widths and block counts: channels x width to a multiple of 8, blocks x depth rounded up. */
export function efficientnetShape(variant: EfficientnetVariant): EfficientnetShape {
  const { width, depth } = multipliers[variant];
  const stages = b0Stages.map(([expansion, kernel, stride, channels, repeats]) => ({
    expansion,
    kernel,
    stride,
    channels: divisible(channels * width),
    repeats: Math.ceil(repeats * depth),
  }));
  return { stem: divisible(32 * width), head: 4 * stages[stages.length - 1]!.channels, stages };
}

const separable: Record<string, string> = {
  conv_dw: 'block.0.0',
  bn1: 'block.0.1',
  'se.conv_reduce': 'block.1.fc1',
  'se.conv_expand': 'block.1.fc2',
  conv_pw: 'block.2.0',
  bn2: 'block.2.1',
};
const inverted: Record<string, string> = {
  conv_pw: 'block.0.0',
  bn1: 'block.0.1',
  conv_dw: 'block.1.0',
  bn2: 'block.1.1',
  'se.conv_reduce': 'block.2.fc1',
  'se.conv_expand': 'block.2.fc2',
  conv_pwl: 'block.3.0',
  bn3: 'block.3.1',
};
const top: Record<string, string> = {
  conv_stem: 'features.0.0',
  bn1: 'features.0.1',
  conv_head: 'features.8.0',
  bn2: 'features.8.1',
  classifier: 'classifier.1',
};

export function timmEfficientnetKey(variant: EfficientnetVariant, key: string): string | null {
  const { stages } = efficientnetShape(variant);
  if (/^(features\.|classifier\.1\.)/.test(key)) return key;
  const block = /^blocks\.(\d+)\.(\d+)\.(se\.conv_reduce|se\.conv_expand|[a-z_0-9]+)\.([a-z_]+)$/.exec(key);
  if (block) {
    const [stage, index, module, rest] = [Number(block[1]), Number(block[2]), block[3]!, block[4]!];
    if (stage >= stages.length || index >= stages[stage]!.repeats) return null;
    const mapped = (stage === 0 ? separable : inverted)[module];
    return mapped ? `features.${stage + 1}.${index}.${mapped}.${rest}` : null;
  }
  const plain = /^([a-z_0-9]+)\.(.+)$/.exec(key);
  const mapped = plain ? top[plain[1]!] : undefined;
  return mapped ? `${mapped}.${plain![2]}` : null;
}

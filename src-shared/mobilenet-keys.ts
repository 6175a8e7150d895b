/**
 * timm's `mobilenetv2_100` state_dict keys in torchvision's `mobilenet_v2` layout. timm builds
 * MobileNetV2 from its EfficientNet blocks (timm/models/efficientnet.py, `_gen_mobilenet_v2`):
 *
 *   conv_stem, bn1                      -> features.0.0, features.0.1
 *   blocks.0.0 (depthwise-separable):   conv_dw, bn1, conv_pw, bn2
 *                                       -> features.1.conv.0.0, .conv.0.1, .conv.1, .conv.2
 *   blocks.S.B (inverted residual):     conv_pw, bn1, conv_dw, bn2, conv_pwl, bn3
 *                                       -> features.N.conv.0.0, .0.1, .1.0, .1.1, .2, .3
 *   conv_head, bn2                      -> features.18.0, features.18.1
 *   classifier                          -> classifier.1
 *
 * where N counts the blocks in order from 1 (stages of 1, 2, 3, 4, 3, 3 and 1 blocks). Null for
 * a key of neither layout; a torchvision key comes back as it is.
 */

/**
 * MobileNetV2's inverted-residual stages (Sandler et al. 2018, table 2): expansion, output
 * channels at width 1.0, blocks, the first block's stride. Every MobileNetV2 in SegBench reads it:
 * SegBench's own (engine/models/mobilenetv2.ts), torchvision's (mobilenet-encoder.ts) and the
 * weights check (weights/encoder-keys.ts).
 */
export const mobilenetV2Stages: readonly (readonly [expansion: number, channels: number, repeats: number, stride: number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

const blocksPerStage = mobilenetV2Stages.map(([, , repeats]) => repeats);
const firstIndex = blocksPerStage.map((_, s) => 1 + blocksPerStage.slice(0, s).reduce((a, b) => a + b, 0));

const separable: Record<string, string> = { conv_dw: 'conv.0.0', bn1: 'conv.0.1', conv_pw: 'conv.1', bn2: 'conv.2' };
const inverted: Record<string, string> = { conv_pw: 'conv.0.0', bn1: 'conv.0.1', conv_dw: 'conv.1.0', bn2: 'conv.1.1', conv_pwl: 'conv.2', bn3: 'conv.3' };
const top: Record<string, string> = {
  conv_stem: 'features.0.0',
  bn1: 'features.0.1',
  conv_head: 'features.18.0',
  bn2: 'features.18.1',
  classifier: 'classifier.1',
};

export function timmMobilenetV2Key(key: string): string | null {
  if (/^(features\.|classifier\.1\.)/.test(key)) return key;
  const block = /^blocks\.(\d+)\.(\d+)\.([a-z_0-9]+)\.(.+)$/.exec(key);
  if (block) {
    const [stage, index, module, rest] = [Number(block[1]), Number(block[2]), block[3]!, block[4]!];
    if (stage >= blocksPerStage.length || index >= blocksPerStage[stage]!) return null;
    const mapped = (stage === 0 ? separable : inverted)[module];
    return mapped ? `features.${firstIndex[stage]! + index}.${mapped}.${rest}` : null;
  }
  const plain = /^([a-z_0-9]+)\.(.+)$/.exec(key);
  const mapped = plain ? top[plain[1]!] : undefined;
  return mapped ? `${mapped}.${plain![2]}` : null;
}

import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelOptions } from './registry-types';
import { classifier, concat, doubleConv, name } from './blocks';
import type { Sym } from './blocks';

/**
 * U-Net (Ronneberger et al. 2015) with batch norm: `depth` poolings, `width` filters at the top,
 * doubling per level, Conv2DTranspose upsampling and skip concatenation. depth 4, width 16 is the
 * reference network of docs/engine-notes.md (about 1.95 M parameters).
 */
export function buildUnet(options: ModelOptions): tfl.LayersModel {
  const depth = options.depth ?? 4;
  const width = options.width ?? 16;
  const input = tfl.input({ shape: [options.inputSize, options.inputSize, options.inputChannels], name: 'image' });
  const skips: Sym[] = [];
  let x: Sym = input;
  for (let level = 0; level < depth; level += 1) {
    x = doubleConv(x, width * 2 ** level);
    skips.push(x);
    x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: name('pool') }).apply(x) as Sym;
  }
  x = doubleConv(x, width * 2 ** depth);
  for (let level = depth - 1; level >= 0; level -= 1) {
    const filters = width * 2 ** level;
    x = tfl.layers.conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'same', name: name('upconv') }).apply(x) as Sym;
    x = doubleConv(concat(x, skips[level]!), filters);
  }
  return tfl.model({ inputs: input, outputs: classifier(x, options.classes), name: 'unet' });
}

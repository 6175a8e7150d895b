import type * as tfl from '@tensorflow/tfjs-layers';
import { channelCount } from '../../../src-shared/bands';
import { encoderNames } from '../../../src-shared/encoders';
import { ApiError } from '../../../src-shared/errors';
import { normalizationFor } from '../../../src-shared/external-model';
import type { RunConfig } from '../../../src-shared/run-config';
import type { Normalization } from '../data/batch';
import { loadPretrainedWeights } from '../models/pretrained';
import { loadEncoderWeights } from '../models/encoders';
import { readSafetensors } from '../models/safetensors';
import { loadSmpUnetWeights } from '../models/smp-unet';

/**
 * What a new run starts from besides its seeded initial weights: the encoder's pretrained weights
 * (`encoderWeightsFile`, resolved by main from the weights cache), a whole model's weights
 * (`pretrainedWeights`: a tfjs model.json or an SMP U-Net's safetensors), and the normalisation
 * that goes with them. Each says what it did in a run event.
 */

/** ImageNet's mean and std with pretrained encoder weights on RGB (or when asked), else the training images' own. */
export function startNormalization(config: RunConfig, fromImages: () => Normalization): { normalization: Normalization; said: string } {
  const channels = channelCount(config.inputChannels);
  const imagenet =
    config.inputNormalization === 'imagenet' || (config.inputNormalization === 'auto' && config.encoderWeightsFile !== undefined && channels === 3);
  if (!imagenet) return { normalization: fromImages(), said: "the training images' own mean and std per channel" };
  const resolved = normalizationFor('imagenet', channels);
  if ('problem' in resolved)
    throw new ApiError('VALIDATION', `inputNormalization "imagenet": ${resolved.problem.replace(/ Give --normalize.*$/, " Use 'dataset'.")}`);
  return {
    normalization: resolved.normalization,
    said: `ImageNet's mean and std, as the ${config.encoderWeightsFile ? 'pretrained weights were trained with' : 'config asks'}`,
  };
}

/** Loads the start weights into `model` (a new run only); returns what to tell the user, one line each. */
export async function loadStartWeights(model: tfl.LayersModel, config: RunConfig): Promise<string[]> {
  const said: string[] = [];
  const channels = channelCount(config.inputChannels);
  const encoder = config.modelOptions.encoder;
  const weights = config.encoderWeightsFile;
  if (weights) {
    if (!encoder) throw new ApiError('VALIDATION', `Encoder weights (${weights.name}) need modelOptions.encoder.`);
    const report = loadEncoderWeights(model, await readSafetensors(weights.path), weights.path, encoder);
    said.push(
      `Encoder ${encoder} started from ${weights.name} (sha256 ${weights.sha256.slice(0, 12)}…, asked as "${config.encoderWeights ?? weights.name}"): ${report.loaded} tensors loaded` +
        (report.ignored.some((k) => /^(fc|classifier)\./.test(k)) ? '; the ImageNet classifier left out' : '') +
        (report.adapted ? `; conv1 adapted from RGB to ${channels} channels (timm's rule: channel c takes RGB channel c mod 3, times 3/${channels})` : '') +
        '; the decoder and the head start from the seed.',
    );
  }
  const pretrained = config.pretrainedWeights;
  if (pretrained?.toLowerCase().endsWith('.safetensors')) {
    if (config.model !== 'unet' || !encoder) {
      throw new ApiError(
        'VALIDATION',
        `${pretrained} is a safetensors state_dict: SegBench loads a segmentation_models_pytorch Unet's into model unet with modelOptions.encoder set to its encoder (${encoderNames.join(', ')}).`,
      );
    }
    const report = loadSmpUnetWeights(model, await readSafetensors(pretrained), pretrained, encoder);
    said.push(
      `Started from the segmentation_models_pytorch Unet ${pretrained}: ${report.loaded} tensors loaded` +
        (report.adapted ? `; encoder.conv1 adapted from RGB to ${channels} channels` : '') +
        (report.skipped.length ? `; trained from scratch (another class count in the file): ${report.skipped.join(', ')}` : '') +
        '.',
    );
  } else if (pretrained) {
    const loaded = await loadPretrainedWeights(model, pretrained);
    said.push(
      `Started from ${pretrained}: ${loaded.matched} of ${loaded.total} weights loaded` +
        (loaded.adapted.length
          ? `; adapted from 3 input channels to ${channels} (channel c takes the RGB slice c mod 3, scaled by 3/C): ${loaded.adapted.join(', ')}`
          : '') +
        (loaded.skipped.length ? `; trained from scratch: ${loaded.skipped.join(', ')}` : '') +
        '.',
    );
  }
  return said;
}

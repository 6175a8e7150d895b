import type { EncoderName } from '../../../src-shared/encoders';

export interface ModelOptions {
  classes: number;
  inputChannels: number;
  /** Square input size in pixels; a multiple of the model's stride. */
  inputSize: number;
  /** U-Net: number of poolings. */
  depth?: number | undefined;
  /** Filters at the first level (U-Net) or the decoder width (DeepLabV3+, FPN). */
  width?: number | undefined;
  /** MobileNetV2 width multiplier. */
  alpha?: number | undefined;
  /** DeepLabV3+ ASPP dilation rates at output stride 16. */
  asppRates?: number[] | undefined;
  /** A ResNet encoder (torchvision's layout) in place of the model's own; unet then builds SMP's U-Net. */
  encoder?: EncoderName | undefined;
}

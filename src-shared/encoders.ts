/**
 * The pretrained-style encoders a model can be built on (`modelOptions.encoder`): torchvision's
 * and timm's ResNets, MobileNetV2 and EfficientNet-B0 to B3, whose weights files SegBench reads
 * (src-main/weights, engine/models/resnet.ts, mobilenet-encoder.ts, efficientnet-encoder.ts). Named
 * as segmentation_models_pytorch names them; efficientnet-bN is timm's efficientnet_bN (PyTorch
 * padding: SMP's timm-efficientnet-bN), not SMP's efficientnet-pytorch one with TensorFlow padding.
 */
export const encoderNames = [
  'resnet18',
  'resnet34',
  'resnet50',
  'mobilenet_v2',
  'efficientnet-b0',
  'efficientnet-b1',
  'efficientnet-b2',
  'efficientnet-b3',
] as const;
export type EncoderName = (typeof encoderNames)[number];

export const isResnet = (encoder: EncoderName): encoder is 'resnet18' | 'resnet34' | 'resnet50' => encoder.startsWith('resnet');

export const isEfficientnet = (encoder: EncoderName): encoder is 'efficientnet-b0' | 'efficientnet-b1' | 'efficientnet-b2' | 'efficientnet-b3' =>
  encoder.startsWith('efficientnet-');

/** The models that take an encoder; `unet-mobilenetv2` has its own. */
export const modelsWithEncoders = ['unet', 'fpn', 'deeplabv3plus'] as const;

/** ImageNet's mean and std per RGB channel on 0..1 pixels (after ToTensor): what timm's and torchvision's weights were trained on. */
export const imagenetMeanStd = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

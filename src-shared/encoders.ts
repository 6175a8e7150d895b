/**
 * The pretrained-style encoders a model can be built on (`modelOptions.encoder`): torchvision's
 * and timm's ResNets and MobileNetV2, whose weights files SegBench reads (src-main/weights,
 * engine/models/resnet.ts and mobilenet-encoder.ts). Named as segmentation_models_pytorch names them.
 */
export const encoderNames = ['resnet18', 'resnet34', 'resnet50', 'mobilenet_v2'] as const;
export type EncoderName = (typeof encoderNames)[number];

export const isResnet = (encoder: EncoderName): encoder is 'resnet18' | 'resnet34' | 'resnet50' => encoder.startsWith('resnet');

/** The models that take an encoder; `unet-mobilenetv2` has its own. */
export const modelsWithEncoders = ['unet', 'fpn', 'deeplabv3plus'] as const;

/** ImageNet's mean and std per RGB channel on 0..1 pixels (after ToTensor): what timm's and torchvision's weights were trained on. */
export const imagenetMeanStd = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

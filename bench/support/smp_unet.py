"""segmentation_models_pytorch's U-Net on a torchvision ResNet, written out after SMP's source.

segmentation_models_pytorch is not packaged for Debian and cannot be installed here, so its U-Net
is written out after its source (segmentation_models_pytorch/decoders/unet/decoder.py and
base/modules.py, version 0.3): the module tree and the state_dict keys are SMP's, the encoder is
torchvision's ResNet without its classifier (SMP's ResNetEncoder deletes fc and avgpool):

  encoder.conv1 ... encoder.layer4         torchvision's names
  decoder.blocks.{i}.conv1.{0,1}           Conv2dReLU: Conv2d(3x3, padding 1, no bias), BatchNorm2d, ReLU
  decoder.blocks.{i}.conv2.{0,1}
  segmentation_head.0                      Conv2d(16, classes, 3x3, padding 1), with bias

Each block upsamples by 2 (nearest), joins the skip on the channel axis and applies conv1 and
conv2; decoder_channels (256, 128, 64, 32, 16); the head is layer4, the skips layer3, layer2,
layer1 and the stem (conv1-bn1-relu), the last block has none.

Used by tests/fixtures/encoders/make_smp_fixture.py (the equivalence fixture) and
bench/encoders-torch.py (the step-time reference).
"""

import torch
import torch.nn.functional as F
import torchvision

DECODER_CHANNELS = (256, 128, 64, 32, 16)


class Conv2dReLU(torch.nn.Sequential):
    def __init__(self, inputs, outputs):
        super().__init__(torch.nn.Conv2d(inputs, outputs, 3, padding=1, bias=False), torch.nn.BatchNorm2d(outputs), torch.nn.ReLU())


class DecoderBlock(torch.nn.Module):
    def __init__(self, inputs, skip, outputs):
        super().__init__()
        self.conv1 = Conv2dReLU(inputs + skip, outputs)
        self.conv2 = Conv2dReLU(outputs, outputs)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class UnetDecoder(torch.nn.Module):
    def __init__(self, encoder_channels):
        super().__init__()
        head, *skips = encoder_channels[::-1]  # layer4 first; the stem last
        inputs = [head] + list(DECODER_CHANNELS[:-1])
        skip_channels = list(skips) + [0]
        self.blocks = torch.nn.ModuleList(DecoderBlock(i, s, o) for i, s, o in zip(inputs, skip_channels, DECODER_CHANNELS))

    def forward(self, features):
        head, *skips = features[::-1]
        x = head
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


class SmpUnet(torch.nn.Module):
    """Unet(encoder_name=...): a torchvision ResNet less fc and avgpool, torchvision's
    mobilenet_v2 less its classifier (SMP's MobileNetV2Encoder: stages features[:2], [2:4], [4:7],
    [7:14], [14:]), or torchvision's efficientnet_b0 less its classifier (SMP's
    timm-efficientnet-b0 taps: the stem, features[1:3], [3], [4:6], [6:8]; features.8 unused)."""

    def __init__(self, encoder_name, classes):
        super().__init__()
        self.encoder_name = encoder_name
        self.encoder = getattr(torchvision.models, encoder_name.replace('-', '_'))()
        if encoder_name.startswith('efficientnet-'):
            # SMP's timm-efficientnet-bN: the classifier goes, the 1x1 head (features.8) stays unused.
            del self.encoder.classifier
            del self.encoder.avgpool
            f = self.encoder.features
            widths = [f[0][0].out_channels] + [f[i][-1].block[-1][0].out_channels for i in (2, 3, 5, 7)]
        elif encoder_name == 'mobilenet_v2':
            del self.encoder.classifier
            widths = [16, 24, 32, 96, 1280]
        else:
            del self.encoder.fc
            del self.encoder.avgpool
            widths = [64, 64, 128, 256, 512] if encoder_name in ('resnet18', 'resnet34') else [64, 256, 512, 1024, 2048]
        self.decoder = UnetDecoder(widths)
        self.segmentation_head = torch.nn.Sequential(torch.nn.Conv2d(DECODER_CHANNELS[-1], classes, 3, padding=1))

    def stages(self, x):
        e = self.encoder
        if self.encoder_name == 'mobilenet_v2' or self.encoder_name.startswith('efficientnet-'):
            out = []
            ranges = [(0, 2), (2, 4), (4, 7), (7, 14), (14, 19)] if self.encoder_name == 'mobilenet_v2' else [(0, 1), (1, 3), (3, 4), (4, 6), (6, 8)]
            for start, end in ranges:
                x = e.features[start:end](x)
                out.append(x)
            return out
        stem = e.relu(e.bn1(e.conv1(x)))
        l1 = e.layer1(e.maxpool(stem))
        l2 = e.layer2(l1)
        l3 = e.layer3(l2)
        l4 = e.layer4(l3)
        return [stem, l1, l2, l3, l4]

    def forward(self, x):
        return self.segmentation_head(self.decoder(self.stages(x)))

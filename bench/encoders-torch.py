"""The encoders bench's reference, measured in the same run: segmentation_models_pytorch's U-Net
(bench/support/smp_unet.py) on a torchvision ResNet, trained with Adam and per-pixel cross entropy
on random data on the CPU with a given thread count.

Run by bench/encoders.ts when `python3 -c "import torch"` works. Prints one JSON line per encoder:
parameters, median and min step milliseconds, and the process's peak resident memory so far.
Usage: python3 bench/encoders-torch.py --encoders resnet18,resnet34 --size 256 --batch 2 --steps 5 --threads 2
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'support'))
from smp_unet import SmpUnet  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--encoders', default='resnet18,resnet34,resnet50')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--classes', type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for encoder in args.encoders.split(','):
        model = SmpUnet(encoder, args.classes).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        images = torch.randn(args.batch, 3, args.size, args.size)
        labels = torch.randint(0, args.classes, (args.batch, args.size, args.size))

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            return loss.item()

        step()
        times = []
        for _ in range(args.steps):
            started = time.perf_counter()
            step()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(json.dumps({
            'encoder': encoder,
            # EfficientNet's 1x1 head to 1280 (features.8) is in SMP's model and never used.
            'parameters': sum(p.numel() for n, p in model.named_parameters() if not (encoder == 'efficientnet-b0' and n.startswith('encoder.features.8.'))),
            'median_ms': times[len(times) // 2],
            'min_ms': times[0],
            'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            'threads': args.threads,
            'torch': torch.__version__,
        }), flush=True)


if __name__ == '__main__':
    main()

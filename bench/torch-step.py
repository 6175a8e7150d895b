"""The engine-step bench's reference, measured in the same run: SegBench's reference U-Net
(depth 4, width 16, conv without bias + batch norm + ReLU twice per level, max pooling,
ConvTranspose 2x2 upsampling with skip concatenation, 1x1 classifier, 6 classes) trained with
Adam and per-pixel cross entropy on random data, on the CPU with a given thread count, or on CUDA
(--device cuda, the GPU bench's reference when PyTorch has CUDA there).

Run by bench/engine-step.ts when `python3 -c "import torch"` works (Debian: apt-get install
python3-torch). Prints one JSON line: parameters, median and min step milliseconds.
Usage: python3 bench/torch-step.py --size 128 --batch 4 --steps 10 --threads 2
"""
import argparse
import json
import time

import torch
from torch import nn


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5), nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    def __init__(self, depth=4, width=16, classes=6):
        super().__init__()
        self.down = nn.ModuleList()
        cin = 3
        for level in range(depth):
            self.down.append(double_conv(cin, width * 2 ** level))
            cin = width * 2 ** level
        self.bottom = double_conv(cin, width * 2 ** depth)
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        cin = width * 2 ** depth
        for level in reversed(range(depth)):
            filters = width * 2 ** level
            self.up.append(nn.ConvTranspose2d(cin, filters, 2, stride=2))
            self.merge.append(double_conv(filters * 2, filters))
            cin = filters
        self.logits = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.logits(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    device = torch.device(args.device)
    model = UNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.randn(args.batch, 3, args.size, args.size, device=device)
    labels = torch.randint(0, 6, (args.batch, args.size, args.size), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(2):
        step()
    times = []
    for _ in range(args.steps):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(json.dumps({
        'parameters': sum(p.numel() for p in model.parameters()),
        'threads': args.threads,
        'median_ms': times[len(times) // 2],
        'min_ms': times[0],
        'torch': torch.__version__,
    }))


if __name__ == '__main__':
    main()

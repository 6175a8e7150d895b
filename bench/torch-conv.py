"""bench/conv-floor.ts's reference: PyTorch's 3x3 convolution (no bias, padding 1) at each level
of the reference U-Net, forward alone and forward plus backward (input and weight gradients), on
the CPU with one thread. Prints one JSON line per shape: the median milliseconds of each.
Usage: python3 bench/torch-conv.py --batch 4 --repeats 15 --shapes 128:3:16,128:16:16,...
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=15)
    parser.add_argument('--shapes', required=True)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for spec in args.shapes.split(','):
        size, cin, cout = (int(v) for v in spec.split(':'))
        x = torch.randn(args.batch, cin, size, size, requires_grad=True)
        w = (torch.randn(cout, cin, 3, 3) * 0.1).requires_grad_()
        g = torch.randn(args.batch, cout, size, size)
        forward, both = [], []
        for r in range(args.repeats + 2):
            t = time.perf_counter()
            with torch.no_grad():
                F.conv2d(x, w, padding=1)
            if r >= 2:
                forward.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            y = F.conv2d(x, w, padding=1)
            y.backward(g)
            if r >= 2:
                both.append((time.perf_counter() - t) * 1000)
            x.grad = None
            w.grad = None
        print(json.dumps({'shape': spec, 'forward_ms': median(forward), 'train_ms': median(both)}))


if __name__ == '__main__':
    main()

"""The PyTorch side of bench/inference-runtimes.ts: sliding-window inference of the reference U-Net
(torch-step.py's) over the same images and windows, on the CPU with 1 and 2 threads. Windows of
--size, no overlap, the last one flush with the far edge (SegBench's windowStarts), --batch at a
time; per-channel normalisation; eval mode, no gradients. Weights are PyTorch's default
initialisation: the speed of a forward pass does not depend on them.

Prints one JSON line per thread count: {"threads", "images", "windows", "seconds"}.
Usage: python3 bench/inference-torch.py --size 256 --batch 4 --threads 1,2 IMAGE...
"""
import argparse
import json
import os
import sys
import time
from importlib import import_module

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
UNet = import_module('torch-step').UNet


def starts(length, size):
    if length <= size:
        return [0]
    out = list(range(0, length - size, size))
    out.append(length - size)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--threads', default='1,2')
    parser.add_argument('images', nargs='+')
    args = parser.parse_args()
    images = [np.asarray(Image.open(path).convert('RGB'), dtype=np.float32) for path in args.images]
    torch.manual_seed(1)
    model = UNet().eval()
    size = args.size
    for threads in [int(t) for t in args.threads.split(',')]:
        torch.set_num_threads(threads)
        windows = 0
        started = time.perf_counter()
        with torch.no_grad():
            for image in images:
                h, w, _ = image.shape
                x = (image - image.reshape(-1, 3).mean(0)) / image.reshape(-1, 3).std(0)
                if h < size or w < size:
                    x = np.pad(x, ((0, max(0, size - h)), (0, max(0, size - w)), (0, 0)))
                    h, w, _ = x.shape
                crops = [x[y:y + size, z:z + size] for y in starts(h, size) for z in starts(w, size)]
                for i in range(0, len(crops), args.batch):
                    batch = torch.from_numpy(np.stack(crops[i:i + args.batch])).permute(0, 3, 1, 2).contiguous()
                    model(batch).argmax(1)
                windows += len(crops)
        print(json.dumps({'threads': threads, 'images': len(images), 'windows': windows, 'seconds': time.perf_counter() - started}))


if __name__ == '__main__':
    main()

"""The PyTorch side of bench/quality.ts: the same U-Net (torch-step.py's), the same recipe and the
same data, trained and validated in the same run as SegBench, one seed per call.

Recipe: dubai-aerial tiles 1-6 train, tiles 7-8 validate (whole scenes apart); every step draws
`batch` random `size` x `size` crops, one per image, the images shuffled pass after pass (as
SegBench's uniform sampler does); random horizontal and vertical flips and a random quarter turn;
per-channel normalisation from the training images; Adam at 1e-3; per-pixel cross entropy over
the labelled pixels (a colour outside the palette is ignored, as in SegBench). At the end the
model, in eval mode, predicts every validation image whole (padded to a multiple of 16) and the
per-class true positives, false positives and false negatives are counted over all their pixels.

The classes come from SegBench (bench/quality.ts passes the mask colours with their class
indices), so class i here is class i there.

Prints one JSON line: {"seed", "steps", "seconds", "counts": [{"tp", "fp", "fn"}, ...], "torch"}.
Usage: python3 bench/quality-torch.py --data ../shared/data/dubai-aerial --seed 1 --steps 300
       --size 256 --batch 4 --threads 2 --values '[[16777215, 0], ...]' (RGB as 0xRRGGBB, class)
"""
import argparse
import json
import os
import random
import re
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module  # noqa: E402

UNet = import_module('torch-step').UNet

IGNORE = 255


def load(data, values):
    lookup = {value: index for value, index in values}
    train, val = [], []
    for name in sorted(os.listdir(os.path.join(data, 'images'))):
        stem = os.path.splitext(name)[0]
        mask_path = os.path.join(data, 'masks', stem + '.png')
        if not os.path.exists(mask_path):
            continue
        image = np.asarray(Image.open(os.path.join(data, 'images', name)).convert('RGB'), dtype=np.uint8)
        rgb = np.asarray(Image.open(mask_path).convert('RGB'), dtype=np.int64)
        packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        labels = np.full(packed.shape, IGNORE, dtype=np.int64)
        for value, index in lookup.items():
            labels[packed == value] = index
        (val if re.match(r'tile[78]_', stem) else train).append((image, labels))
    return train, val


def crop(image, labels, size, rng):
    h, w = labels.shape
    if h < size or w < size:
        pad_h, pad_w = max(0, size - h), max(0, size - w)
        image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)))
        labels = np.pad(labels, ((0, pad_h), (0, pad_w)), constant_values=IGNORE)
        h, w = labels.shape
    y = rng.randrange(h - size + 1)
    x = rng.randrange(w - size + 1)
    image, labels = image[y:y + size, x:x + size], labels[y:y + size, x:x + size]
    if rng.random() < 0.5:
        image, labels = image[:, ::-1], labels[:, ::-1]
    if rng.random() < 0.5:
        image, labels = image[::-1], labels[::-1]
    turns = rng.randrange(4)
    return np.rot90(image, turns).copy(), np.rot90(labels, turns).copy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True)
    parser.add_argument('--values', required=True)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    values = json.loads(args.values)
    classes = max(index for _, index in values) + 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = torch.device(args.device)
    train, val = load(args.data, values)

    pixels = np.concatenate([image.reshape(-1, 3) for image, _ in train]).astype(np.float64)
    mean = torch.tensor(pixels.mean(0), dtype=torch.float32, device=device).view(1, 3, 1, 1)
    std = torch.tensor(np.maximum(pixels.std(0), 1), dtype=torch.float32, device=device).view(1, 3, 1, 1)
    del pixels

    def tensor(images):
        x = torch.from_numpy(np.stack(images)).to(device).permute(0, 3, 1, 2).float()
        return (x - mean) / std

    model = UNet(classes=classes).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    order = []
    started = time.perf_counter()
    model.train()
    for _ in range(args.steps):
        crops = []
        for _ in range(args.batch):
            if not order:
                order = list(range(len(train)))
                rng.shuffle(order)
            crops.append(crop(*train[order.pop()], args.size, rng))
        x = tensor([c[0] for c in crops])
        y = torch.from_numpy(np.stack([c[1] for c in crops])).to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    model.eval()
    tp = np.zeros(classes, dtype=np.int64)
    fp = np.zeros(classes, dtype=np.int64)
    fn = np.zeros(classes, dtype=np.int64)
    with torch.no_grad():
        for image, labels in val:
            h, w = labels.shape
            ph, pw = (16 - h % 16) % 16, (16 - w % 16) % 16
            padded = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode='reflect')
            predicted = model(tensor([padded]))[0, :, :h, :w].argmax(0).cpu().numpy()
            labelled = labels != IGNORE
            truth, guess = labels[labelled], predicted[labelled]
            for c in range(classes):
                tp[c] += int(np.sum((truth == c) & (guess == c)))
                fp[c] += int(np.sum((truth != c) & (guess == c)))
                fn[c] += int(np.sum((truth == c) & (guess != c)))
    print(json.dumps({
        'seed': args.seed,
        'steps': args.steps,
        'seconds': time.perf_counter() - started,
        'counts': [{'tp': int(tp[c]), 'fp': int(fp[c]), 'fn': int(fn[c])} for c in range(classes)],
        'torch': torch.__version__,
    }))


if __name__ == '__main__':
    main()

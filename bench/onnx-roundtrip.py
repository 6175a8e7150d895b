#!/usr/bin/python3
"""PyTorch's side of bench/onnx-roundtrip.ts (the PyTorch round trip of `segbench import-model`).

Two commands, both driven by the TypeScript bench (run that, not this):

  train   --data DIR --out-dir DIR --classes JSON [--steps 150] [--batch 8] [--crop 128]
          [--max-seconds 60] [--seed 1] [--threads N]
      Builds a small SMP-style U-Net (a residual encoder with BatchNorm, a decoder of nearest x2
      upsampling + skip concatenation + two conv3x3-BN-ReLU, a conv3x3 head; NCHW in, logits out),
      trains it briefly on random crops of dubai-aerial tiles 1-6 and writes model.pt (weights) and
      model.onnx (torch.onnx.export, opset 17, dynamic batch, height and width) into --out-dir.
      Prints one JSON line.

  predict --manifest FILE
      The same model (model.pt) predicts the manifest's images with SegBench's sliding windows,
      re-implemented here from src-main/engine/eval/sliding-window.ts (predictImage): window starts
      every floor(size * (1 - overlap)) px with the last one flush with the far edge, one window at
      0 when the image is not larger than it; a window past the image's edge zero-padded in raw
      pixel values before normalisation; float32 softmax probabilities summed in window order and
      divided by the number of windows where more than one covered a pixel; argmax takes the first
      class on exact ties. Counts per class (tp/fp/fn) against the masks mapped by the classes'
      palette colours; colours of no class are ignored. Prints one JSON line.

Normalisation is ImageNet's in SegBench's convention: (pixel - 255 * mean) / (255 * std) on raw
0..255 RGB values, computed in float64 and rounded to float32 as SegBench's imageData does.
Needs torch (1.13 was used), numpy and Pillow; CPU only.
"""

import argparse
import hashlib
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

IGNORE = 255
# torch 1.13's exporter warns about F.interpolate's scale constant; the exported graph is checked by running it.
warnings.filterwarnings('ignore', category=UserWarning, module='torch.onnx')
OPSET = 17
NEAR_TIE = 1e-4  # top-two averaged probabilities closer than this: either runtime may pick either class

# ImageNet's statistics on 0..1 pixels (torchvision's), scaled to 0..255 as SegBench does.
MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]

ENCODER = (24, 32, 48, 64)  # residual stages at /2, /4, /8, /16
STEM = 16  # full-resolution stem, the last skip
DECODER = (48, 32, 24, 16)  # decoder blocks at /8, /4, /2, /1


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------


def load_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'), dtype=np.uint8)


def labels_of(mask_rgb, colors):
    """RGB mask -> class indices by exact palette colour; IGNORE where a colour is in no class."""
    packed = (mask_rgb[..., 0].astype(np.int32) << 16) | (mask_rgb[..., 1].astype(np.int32) << 8) | mask_rgb[..., 2].astype(np.int32)
    labels = np.full(packed.shape, IGNORE, dtype=np.uint8)
    for index, color in enumerate(colors):
        labels[packed == int(color.lstrip('#'), 16)] = index
    return labels


def normalize(crops_nhwc_uint8):
    """uint8 NHWC -> float32 NCHW: (pixel - mean) * (1 / std) in float64, rounded once to float32."""
    x = crops_nhwc_uint8.astype(np.float64)
    x = (x - np.array(MEAN, dtype=np.float64)) * (1.0 / np.array(STD, dtype=np.float64))
    return torch.from_numpy(np.ascontiguousarray(x.astype(np.float32).transpose(0, 3, 1, 2)))


# --- the model ------------------------------------------------------------------------------------


def conv_bn_relu(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResidualStage(nn.Module):
    """A ResNet basic block that halves the resolution: conv3x3/2-BN-ReLU, conv3x3-BN, plus a
    1x1/2 conv-BN shortcut, then ReLU."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin, cout, stride=2)
        self.conv2 = nn.Sequential(nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class DecoderBlock(nn.Module):
    """Nearest x2 upsampling, the skip concatenated, two conv3x3-BN-ReLU (as SMP's U-Net decoder)."""

    def __init__(self, cin, skip, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)

    def forward(self, x, skip):
        x = F.interpolate(x, scale_factor=2.0, mode='nearest')
        return self.conv2(self.conv1(torch.cat([x, skip], dim=1)))


class UNet(nn.Module):
    """Encoder: a full-resolution stem and four residual stages (stride 16, so H and W must be
    multiples of 16); decoder: one block per skip back to full resolution; head: conv3x3 to logits."""

    def __init__(self, classes):
        super().__init__()
        self.stem = nn.Sequential(conv_bn_relu(3, STEM), conv_bn_relu(STEM, STEM))
        self.stages = nn.ModuleList()
        cin = STEM
        for c in ENCODER:
            self.stages.append(ResidualStage(cin, c))
            cin = c
        skips = (STEM,) + ENCODER[:-1]
        self.blocks = nn.ModuleList()
        for skip, c in zip(reversed(skips), DECODER):
            self.blocks.append(DecoderBlock(cin, skip, c))
            cin = c
        self.head = nn.Conv2d(cin, classes, 3, padding=1)

    def forward(self, x):
        x = self.stem(x)
        features = [x]
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        for block, skip in zip(self.blocks, reversed(features[:-1])):
            x = block(x, skip)
        return self.head(x)


# --- train ----------------------------------------------------------------------------------------


def training_crops(data, colors, n, crop, rng):
    """n random crops with flips from tiles 1-6, drawn first and cut image by image."""
    stems = sorted(f[:-4] for f in os.listdir(os.path.join(data, 'images')) if f.endswith('.jpg') and f[:5] in ('tile1', 'tile2', 'tile3', 'tile4', 'tile5', 'tile6'))
    if not stems:
        raise SystemExit(f'no training tiles (tile1..tile6 *.jpg) in {data}/images')
    pick = rng.integers(0, len(stems), size=n)
    fx, fy, flips = rng.random(n), rng.random(n), rng.integers(0, 4, size=n)
    images = np.zeros((n, crop, crop, 3), dtype=np.uint8)
    labels = np.zeros((n, crop, crop), dtype=np.uint8)
    for s, stem in enumerate(stems):
        chosen = np.nonzero(pick == s)[0]
        if len(chosen) == 0:
            continue
        image = load_rgb(os.path.join(data, 'images', stem + '.jpg'))
        label = labels_of(load_rgb(os.path.join(data, 'masks', stem + '.png')), colors)
        h, w = label.shape
        for i in chosen:
            y, x = int(fy[i] * (h - crop + 1)), int(fx[i] * (w - crop + 1))
            im, lb = image[y:y + crop, x:x + crop], label[y:y + crop, x:x + crop]
            if flips[i] & 1:
                im, lb = im[:, ::-1], lb[:, ::-1]
            if flips[i] & 2:
                im, lb = im[::-1], lb[::-1]
            images[i], labels[i] = im, lb
    return images, labels


def train(args):
    classes = json.loads(args.classes)
    colors = [c['color'] for c in classes]
    started = time.time()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    images, labels = training_crops(args.data, colors, args.steps * args.batch, args.crop, rng)
    loaded = time.time()
    # Inverse-square-root class frequencies, so a short run predicts more than the two big classes.
    counts = np.bincount(labels[labels != IGNORE].ravel(), minlength=len(colors)).astype(np.float64)
    weights = 1 / np.sqrt(np.maximum(counts, 1) / counts.sum())
    weights = torch.tensor(weights / weights[counts > 0].mean(), dtype=torch.float32)
    model = UNet(len(colors))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps)
    model.train()
    loss = float('nan')
    steps = 0
    for step in range(args.steps):
        if time.time() - loaded > args.max_seconds:
            log(f'training stopped at the time limit ({args.max_seconds} s) after {steps} steps')
            break
        batch = slice(step * args.batch, (step + 1) * args.batch)
        x = normalize(images[batch])
        y = torch.from_numpy(labels[batch].astype(np.int64))
        out = F.cross_entropy(model(x), y, weight=weights, ignore_index=IGNORE)
        optimizer.zero_grad()
        out.backward()
        optimizer.step()
        schedule.step()
        loss = out.item()
        steps += 1
        if step % 25 == 0 or step == args.steps - 1:
            log(f'  step {step:3d}  loss {loss:.4f}  {time.time() - loaded:.0f} s')
    trained = time.time()
    model.eval()
    os.makedirs(args.out_dir, exist_ok=True)
    weights_path = os.path.join(args.out_dir, 'model.pt')
    onnx_path = os.path.join(args.out_dir, 'model.onnx')
    torch.save(model.state_dict(), weights_path)
    example = normalize(images[:1, :64, :64])
    axes = {0: 'batch', 2: 'height', 3: 'width'}
    torch.onnx.export(model, example, onnx_path, opset_version=OPSET, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': axes, 'logits': axes}, do_constant_folding=True)
    print(json.dumps({
        'torch': torch.__version__,
        'weights': weights_path,
        'onnx': onnx_path,
        'onnxBytes': os.path.getsize(onnx_path),
        'parameters': sum(p.numel() for p in model.parameters()),
        'steps': steps,
        'batch': args.batch,
        'crop': args.crop,
        'loss': loss,
        'loadSeconds': loaded - started,
        'trainSeconds': trained - loaded,
        'threads': torch.get_num_threads(),
    }))


# --- predict --------------------------------------------------------------------------------------


def window_starts(length, size, overlap):
    """SegBench's windowStarts: stride floor(size * (1 - overlap)), the last window flush with the end."""
    if length <= size:
        return [0]
    stride = max(1, int(np.floor(size * (1 - overlap))))
    starts = []
    s = 0
    while s + size < length:
        starts.append(s)
        s += stride
    starts.append(length - size)
    return starts


def softmax_f32(logits_nhwc):
    """Softmax over the last axis in float64 from float32 logits, rounded to float32 (as SegBench does)."""
    z = logits_nhwc.astype(np.float64)
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return (z / z.sum(axis=-1, keepdims=True)).astype(np.float32)


def predict_image(model, image, size, overlap, batch, classes):
    """[H, W, classes] float32 averaged softmax probabilities by SegBench's sliding windows."""
    height, width = image.shape[:2]
    total = np.zeros((height, width, classes), dtype=np.float32)
    hits = np.zeros((height, width), dtype=np.int32)
    windows = [(y, x) for y in window_starts(height, size, overlap) for x in window_starts(width, size, overlap)]
    for b in range(0, len(windows), batch):
        group = windows[b:b + batch]
        crops = np.zeros((len(group), size, size, 3), dtype=np.uint8)  # zero-padded past the edge, before normalisation
        for k, (y, x) in enumerate(group):
            part = image[y:y + size, x:x + size]
            crops[k, :part.shape[0], :part.shape[1]] = part
        with torch.no_grad():
            logits = model(normalize(crops)).numpy().transpose(0, 2, 3, 1)
        probs = softmax_f32(logits)
        for k, (y, x) in enumerate(group):
            h, w = min(size, height - y), min(size, width - x)
            total[y:y + h, x:x + w] += probs[k, :h, :w]  # float32 adds, in window order
            hits[y:y + h, x:x + w] += 1
    many = hits > 1
    total[many] /= hits[many][:, None].astype(np.float32)
    return total


def predict(args):
    with open(args.manifest) as f:
        manifest = json.load(f)
    classes = manifest['classes']
    colors = [c['color'] for c in classes]
    k = len(colors)
    torch.set_num_threads(manifest['threads'])
    model = UNet(k)
    model.load_state_dict(torch.load(manifest['weights']))
    model.eval()
    size, overlap, batch = manifest['window'], manifest['overlap'], manifest['batch']
    repeats = max(1, manifest.get('repeats', 1))
    seconds = []
    per_image = []
    for r in range(repeats):
        elapsed = 0.0
        for item in manifest['images']:
            t0 = time.perf_counter()
            image = load_rgb(item['image'])
            probs = predict_image(model, image, size, overlap, batch, k)
            elapsed += time.perf_counter() - t0
            if r > 0:
                continue
            label_rgb = load_rgb(item['mask'])
            labels = labels_of(label_rgb, colors)
            assert labels.shape == image.shape[:2], item['name']
            prediction = np.argmax(probs, axis=-1).astype(np.uint8)  # the first class on exact ties
            top2 = np.sort(probs, axis=-1)[..., -2:]
            near = (top2[..., 1] - top2[..., 0]) < NEAR_TIE
            valid = labels < k
            lab, pred = labels[valid].astype(np.int64), prediction[valid].astype(np.int64)
            tp = np.bincount(lab[lab == pred], minlength=k)
            fn = np.bincount(lab[lab != pred], minlength=k)
            fp = np.bincount(pred[lab != pred], minlength=k)
            per_image.append({
                'name': item['name'],
                'width': int(image.shape[1]),
                'height': int(image.shape[0]),
                'windows': len(window_starts(image.shape[0], size, overlap)) * len(window_starts(image.shape[1], size, overlap)),
                'imageSha256': hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest(),
                'labelsSha256': hashlib.sha256(np.ascontiguousarray(labels).tobytes()).hexdigest(),
                'labelled': int(valid.sum()),
                'nearTies': int(near[valid].sum()),
                'nearTiesAll': int(near.sum()),
                'counts': [{'tp': int(tp[c]), 'fp': int(fp[c]), 'fn': int(fn[c])} for c in range(k)],
            })
            log(f'  {item["name"]}: {image.shape[1]}x{image.shape[0]}, {per_image[-1]["windows"]} windows')
        seconds.append(elapsed)
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'normalization': {'mean': MEAN, 'std': STD},
        'nearTie': NEAR_TIE,
        'seconds': seconds,
        'images': per_image,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    t = sub.add_parser('train')
    t.add_argument('--data', required=True)
    t.add_argument('--out-dir', required=True)
    t.add_argument('--classes', required=True, help='JSON list of {name, color} in SegBench preset order')
    t.add_argument('--steps', type=int, default=150)
    t.add_argument('--batch', type=int, default=8)
    t.add_argument('--crop', type=int, default=128)
    t.add_argument('--lr', type=float, default=3e-3)
    t.add_argument('--max-seconds', type=float, default=60)
    t.add_argument('--seed', type=int, default=1)
    t.add_argument('--threads', type=int, default=0)
    p = sub.add_parser('predict')
    p.add_argument('--manifest', required=True)
    args = parser.parse_args()
    if args.command == 'train':
        train(args)
    else:
        predict(args)


if __name__ == '__main__':
    main()

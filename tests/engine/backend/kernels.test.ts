import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { mulberry32 } from '../../../src-shared/random';
import { randomArray, relativeError, tf, valuesOn, wasmReady } from '../../helpers/tf';

before(wasmReady);

type Shape4 = [number, number, number, number];
interface ConvCase {
  x: Shape4;
  k: number;
  co: number;
  stride: number;
  dilation: number;
  pad: 'same' | 'valid';
}

/** Random geometries; stride and dilation above 1 never together (as in tfjs and TensorFlow). */
function cases(seed: number, count: number, depthwise = false): ConvCase[] {
  const random = mulberry32(seed);
  const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
  return Array.from({ length: count }, (): ConvCase => {
    const stride = pick([1, 2]);
    const dilation = stride > 1 ? 1 : pick([1, 1, 2]);
    const ci = pick([1, 2, 3, 5]);
    return {
      x: [pick([1, 2]), pick([5, 6, 7, 9, 12]), pick([5, 6, 8, 11]), ci] as Shape4,
      k: pick([1, 3, 5]),
      co: depthwise ? 1 : pick([1, 2, 4]),
      stride,
      dilation,
      pad: pick(['same', 'valid'] as const),
    };
  }).filter((c) => (c.k - 1) * c.dilation + 1 <= Math.min(c.x[1], c.x[2]));
}

/** A dilated filter written out with zeros, so undilated reference kernels can be used. */
function expandFilter(filter: tf.Tensor4D, d: number): tf.Tensor4D {
  if (d === 1) return filter;
  const [k, , ci, co] = filter.shape;
  const e = (k - 1) * d + 1;
  const values = filter.arraySync();
  const out = Array.from({ length: e }, (_, i) =>
    Array.from({ length: e }, (_, j) =>
      i % d === 0 && j % d === 0 ? values[i / d]![j / d]! : Array.from({ length: ci }, () => new Array<number>(co).fill(0)),
    ),
  );
  return tf.tensor4d(out as number[][][][]);
}

function pickDilated(grad: tf.Tensor4D, d: number, k: number): tf.Tensor4D {
  return d === 1 ? grad : (tf.stridedSlice(grad, [0, 0, 0, 0], [(k - 1) * d + 1, (k - 1) * d + 1, grad.shape[2], grad.shape[3]], [d, d, 1, 1]) as tf.Tensor4D);
}

test('conv2d gradients on wasm match the cpu kernels on random shapes (dx and dW)', async () => {
  for (const [i, c] of cases(11, 40).entries()) {
    const filterShape: Shape4 = [c.k, c.k, c.x[3], c.co];
    const xs = randomArray(
      c.x.reduce((a, b) => a * b),
      100 + i,
    );
    const ws = randomArray(
      filterShape.reduce((a, b) => a * b),
      200 + i,
    );
    const outShape = tf.tidy(() => tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(ws, filterShape), c.stride, c.pad, 'NHWC', c.dilation).shape);
    const dys = randomArray(
      outShape.reduce((a, b) => a * b),
      300 + i,
    );

    const [dx, dw] = await valuesOn('wasm', () => {
      const dy = tf.tensor4d(dys, outShape as Shape4);
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation), dy));
      return tf.grads(f)([tf.tensor4d(xs, c.x), tf.tensor4d(ws, filterShape)]);
    });
    const [rx, rw] = await valuesOn('cpu', () => {
      const dy = tf.tensor4d(dys, outShape as Shape4);
      const x = tf.tensor4d(xs, c.x);
      const wide = expandFilter(tf.tensor4d(ws, filterShape), c.dilation);
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      const refX = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wide }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const refW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: wide.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      return [refX, pickDilated(refW, c.dilation, c.k)];
    });
    assert.ok(relativeError(dx!, rx!) < 1e-4, `dx case ${i} ${JSON.stringify(c)}: ${relativeError(dx!, rx!)}`);
    assert.ok(relativeError(dw!, rw!) < 1e-4, `dW case ${i} ${JSON.stringify(c)}: ${relativeError(dw!, rw!)}`);
  }
});

test('conv2dTranspose (the Conv2DBackpropInput kernel) on wasm matches cpu', async () => {
  for (const [i, c] of cases(12, 20).entries()) {
    const filterShape: Shape4 = [c.k, c.k, c.co, c.x[3]];
    const inShape: Shape4 = [c.x[0], Math.ceil(c.x[1] / c.stride), Math.ceil(c.x[2] / c.stride), c.x[3]];
    const xs = randomArray(
      inShape.reduce((a, b) => a * b),
      400 + i,
    );
    const ws = randomArray(
      filterShape.reduce((a, b) => a * b),
      500 + i,
    );
    const out: Shape4 = [c.x[0], inShape[1] * c.stride, inShape[2] * c.stride, c.co];
    // The inputs are read again after the kernel ran: the kernel must not free its caller's data.
    const run = () => {
      const [x, w] = [tf.tensor4d(xs, inShape), tf.tensor4d(ws, filterShape)];
      const y = tf.conv2dTranspose(x, w, out, c.stride, 'same');
      return tf.add(y, tf.mul(tf.sum(x), tf.sum(w)));
    };
    const [a] = await valuesOn('wasm', run);
    const [b] = await valuesOn('cpu', run);
    assert.ok(relativeError(a!, b!) < 1e-4, `case ${i}: ${relativeError(a!, b!)}`);
  }
});

test('depthwise conv gradients on wasm match the cpu kernels', async () => {
  for (const [i, c] of cases(13, 24, true).entries()) {
    const filterShape: Shape4 = [c.k, c.k, c.x[3], 1];
    const xs = randomArray(
      c.x.reduce((a, b) => a * b),
      600 + i,
    );
    const ws = randomArray(
      filterShape.reduce((a, b) => a * b),
      700 + i,
    );
    const outShape = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(xs, c.x), tf.tensor4d(ws, filterShape), c.stride, c.pad, 'NHWC', c.dilation).shape);
    const dys = randomArray(
      outShape.reduce((a, b) => a * b),
      800 + i,
    );
    const [dx, dw] = await valuesOn('wasm', () => {
      const dy = tf.tensor4d(dys, outShape as Shape4);
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation), dy));
      return tf.grads(f)([tf.tensor4d(xs, c.x), tf.tensor4d(ws, filterShape)]);
    });
    const [rx, rw] = await valuesOn('cpu', () => {
      const dy = tf.tensor4d(dys, outShape as Shape4);
      const wide = expandFilter(tf.tensor4d(ws, filterShape), c.dilation);
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dilations: [1, 1], dimRoundingMode: undefined };
      const refX = tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: wide }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const refW = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(xs, c.x), dy }, {
        ...attrs,
        filterShape: wide.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      return [refX, pickDilated(refW, c.dilation, c.k)];
    });
    assert.ok(relativeError(dx!, rx!) < 1e-4, `dx case ${i} ${JSON.stringify(c)}: ${relativeError(dx!, rx!)}`);
    assert.ok(relativeError(dw!, rw!) < 1e-4, `dW case ${i} ${JSON.stringify(c)}: ${relativeError(dw!, rw!)}`);
  }
});

test('batch-norm gradient (broadcasting) matches autodiff of the plain formula on cpu', async () => {
  const shape: Shape4 = [2, 5, 4, 3];
  const xs = randomArray(2 * 5 * 4 * 3, 1);
  const [m, v, s, o] = [randomArray(3, 2), randomArray(3, 3, 0.5).map((x) => x + 1), randomArray(3, 4), randomArray(3, 5)];
  const dys = randomArray(2 * 5 * 4 * 3, 6);
  const inputs = () => [tf.tensor4d(xs, shape), tf.tensor1d(m), tf.tensor1d(v), tf.tensor1d(s), tf.tensor1d(o)];
  const ours = await valuesOn('wasm', () =>
    tf.grads((x, mean, variance, scale, offset) => tf.sum(tf.mul(tf.batchNorm(x!, mean!, variance!, offset, scale, 1e-3), tf.tensor4d(dys, shape))))(inputs()),
  );
  const reference = await valuesOn('cpu', () =>
    tf.grads((x, mean, variance, scale, offset) =>
      tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(x!, mean!), tf.rsqrt(tf.add(variance!, 1e-3))), scale!), offset!), tf.tensor4d(dys, shape))),
    )(inputs()),
  );
  ['x', 'mean', 'variance', 'scale', 'offset'].forEach((name, i) => {
    assert.ok(relativeError(ours[i]!, reference[i]!) < 1e-4, `${name}: ${relativeError(ours[i]!, reference[i]!)}`);
  });
});

test('no tensor survives a gradient computation on wasm', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const [mean, variance, scale, offset] = [tf.zeros([3]), tf.ones([3]), tf.ones([3]), tf.zeros([3])];
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i += 1) {
    const grads = tf.grads((a, b, g) =>
      tf.sum(tf.conv2d(tf.batchNorm(a as tf.Tensor4D, mean, variance, offset, g) as tf.Tensor4D, b as tf.Tensor4D, 2, 'same', 'NHWC', 1)),
    )([x, w, scale]);
    tf.dispose(grads);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w, mean, variance, scale, offset]);
});

test('max-pool gradient on wasm (SegBench kernel) matches cpu, ties included', async () => {
  const random = mulberry32(31);
  for (let i = 0; i < 24; i += 1) {
    const shape: Shape4 = [1 + Math.floor(random() * 2), 3 + Math.floor(random() * 8), 3 + Math.floor(random() * 8), 1 + Math.floor(random() * 5)];
    const size = 2 + Math.floor(random() * 2);
    const stride = 1 + Math.floor(random() * 2);
    const pad = random() < 0.5 ? 'same' : 'valid';
    if (pad === 'valid' && (size > shape[1] || size > shape[2])) continue;
    // Half the cases as after a ReLU: many windows of equal zeros, where the first one must win.
    const xs = randomArray(
      shape.reduce((a, b) => a * b),
      900 + i,
    ).map((v) => (i % 2 === 0 ? Math.max(0, v) : v));
    const run = () => {
      const x = tf.tensor4d(xs, shape);
      const y = tf.maxPool(x, size, stride, pad);
      const dy = tf.tensor4d(randomArray(y.size, 950 + i), y.shape as Shape4);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, size, stride, pad), dy)))(x);
    };
    const [a] = await valuesOn('wasm', run);
    const [b] = await valuesOn('cpu', run);
    assert.ok(relativeError(a!, b!) < 1e-6, `case ${i} ${JSON.stringify({ shape, size, stride, pad })}: ${relativeError(a!, b!)}`);
  }
});

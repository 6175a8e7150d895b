import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's gradient definitions are registered by the umbrella package: its CommonJS bundle
// carries them and registers into the shared tfjs-core (tfjs-core's own copy is ESM-only, with
// extensionless imports that Node cannot load outside a bundler).
import '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad, depthwiseFilterGrad, depthwiseInputGrad } from './conv-grads';
import { activeProfile } from './profile';
import { resizeNearestGrad } from './resize-grad';

/**
 * Gradient definitions that replace tfjs-core's for Conv2D, DepthwiseConv2dNative,
 * FusedBatchNorm and ResizeNearestNeighbor. tfjs-core refuses dilation rates above 1 in conv gradients (DeepLabV3+ needs
 * them), and its batch-norm gradient builds full-size Tile tensors. These run everywhere:
 * on native backends with dilation 1 they call the native backprop kernels, otherwise the
 * conv-as-forward-conv formulas of conv-grads.ts.
 */

type Attrs = Record<string, unknown>;
interface ConvAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations: [number, number] | number;
}

/** Convolution attributes as kernels receive them; tfjs-layers passes null for the default dilation. */
function convAttrs(attrs: Attrs): ConvAttrs {
  const { strides, pad, dimRoundingMode, dilations } = attrs as Omit<ConvAttrs, 'dilations'> & { dilations?: ConvAttrs['dilations'] | null };
  return { strides, pad, dimRoundingMode, dilations: dilations ?? 1 };
}
const useNativeKernels = (dilations: unknown): boolean =>
  activeProfile().nativeConvGradients && (dilations === undefined || dilations === 1 || (Array.isArray(dilations) && dilations.every((d) => d === 1)));

const conv2dGradient: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs: Attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dimRoundingMode, dilations } = convAttrs(attrs);
    const grad = dy as tf.Tensor4D;
    if (useNativeKernels(dilations)) {
      const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: grad, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: grad }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    }
    return {
      x: () => conv2dInputGrad(x.shape, grad, filter, strides, dilations, pad, dimRoundingMode),
      filter: () => conv2dFilterGrad(x, grad, filter.shape, strides, dilations, pad, dimRoundingMode),
    };
  },
};

const depthwiseGradient: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNative',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs: Attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dimRoundingMode, dilations } = convAttrs(attrs);
    if (filter.shape[3] !== 1) throw new Error('Depthwise gradients support a channel multiplier of 1 only.');
    const grad = dy as tf.Tensor4D;
    if (useNativeKernels(dilations)) {
      const common = { strides, pad, dimRoundingMode, dilations: [1, 1] };
      return {
        x: () =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: grad, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: grad }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    }
    return {
      x: () => depthwiseInputGrad(x.shape, grad, filter, strides, dilations, pad, dimRoundingMode),
      filter: () => depthwiseFilterGrad(x, grad, filter.shape, strides, dilations, pad, dimRoundingMode),
    };
  },
};

/** Batch-norm gradient by broadcasting over the reduced axes, never materialising a tiled copy. */
const batchNormGradient: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs: Attrs) => {
    const { varianceEpsilon } = attrs as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const grad = dy as tf.Tensor;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor, shape: number[]): tf.Tensor => (axes.length > 0 ? tf.reshape(tf.sum(t, axes), shape) : t);
    const scaleOrOne = scale ?? tf.scalar(1);
    return {
      x: () => tf.mul(grad, tf.mul(scaleOrOne, tf.rsqrt(tf.add(variance, varianceEpsilon)))),
      mean: () => tf.neg(reduce(tf.mul(grad, tf.mul(scaleOrOne, tf.rsqrt(tf.add(variance, varianceEpsilon)))), mean.shape)),
      variance: () => {
        const invStd = tf.rsqrt(tf.add(variance, varianceEpsilon));
        const term = tf.mul(tf.mul(grad, tf.sub(x, mean)), tf.mul(scaleOrOne, tf.mul(tf.pow(invStd, 3), -0.5)));
        return reduce(term, variance.shape);
      },
      scale: () => reduce(tf.mul(tf.mul(grad, tf.sub(x, mean)), tf.rsqrt(tf.add(variance, varianceEpsilon))), scale ? scale.shape : mean.shape),
      offset: () => reduce(grad, mean.shape),
    };
  },
};

/**
 * Nearest-neighbour resize: the native kernel on wasm and tensorflow; elsewhere two matrix products
 * (resize-grad.ts). tfjs 4.22's cpu kernel is wrong for a batch above 1 (it is the reference the
 * WebGPU checks compare with) and the webgpu kernel disagrees with a brute-force sum.
 */
const resizeNearestGradient: tf.GradConfig = {
  kernelName: 'ResizeNearestNeighbor',
  inputsToSave: ['images'],
  gradFunc: (dy, saved, attrs: Attrs) => {
    const [images] = saved as [tf.Tensor4D];
    const { alignCorners, halfPixelCenters } = attrs as { alignCorners: boolean; halfPixelCenters: boolean };
    if (!activeProfile().nativeResizeGradient) return { images: () => resizeNearestGrad(images.shape, dy as tf.Tensor4D, alignCorners, halfPixelCenters) };
    return { images: () => tf.engine().runKernel('ResizeNearestNeighborGrad', { dy: dy as tf.Tensor, images }, attrs as tf.NamedAttrMap) as tf.Tensor };
  },
};

let installed = false;

/** Replaces the four gradient definitions (once per process). */
export function installGradients(): void {
  if (installed) return;
  installed = true;
  for (const config of [conv2dGradient, depthwiseGradient, batchNormGradient, resizeNearestGradient]) {
    if (tf.getGradient(config.kernelName)) tf.unregisterGradient(config.kernelName);
    tf.registerGradient(config);
  }
}

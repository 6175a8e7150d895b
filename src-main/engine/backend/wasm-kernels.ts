import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, conv2dInputGrad } from './conv-grads';
import { maxPoolGradWasm } from './max-pool-grad';

/**
 * Kernels the wasm backend lacks (Conv2DBackpropFilter, tensorflow/tfjs#8474) or has only as a
 * slow loop (Conv2DBackpropInput, also Conv2DTranspose's forward pass): both re-expressed with the
 * backend's own XNNPACK Conv2D. MaxPoolGrad is a contiguous JS loop over the heap (max-pool-grad.ts). Kernel inputs arrive as TensorInfo; they are wrapped as tensors
 * inside a tidy so every intermediate is freed and only the result survives.
 */
type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number;
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * Wraps a kernel input as a tensor. makeTensorFromTensorInfo takes no reference on the data, so
 * disposing the wrapper would free the caller's input: take one first (released by the tidy).
 */
const asTensor = <T extends tf.Tensor>(info: tf.TensorInfo): T => {
  const engine = tf.engine();
  engine.backend.incRef(info.dataId);
  return engine.makeTensorFromTensorInfo(info) as T;
};

export function registerWasmKernels(): void {
  for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad']) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { strides, pad, dilations = 1, dimRoundingMode } = attrs as unknown as ConvAttrs;
      const { filterShape } = attrs as unknown as { filterShape: [number, number, number, number] };
      return tf.tidy(() =>
        conv2dFilterGrad(asTensor<tf.Tensor4D>(inputs.x!), asTensor<tf.Tensor4D>(inputs.dy!), filterShape, strides, dilations, pad, dimRoundingMode),
      );
    },
  });
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { strides, pad, dilations = 1, dimRoundingMode } = attrs as unknown as ConvAttrs;
      const { inputShape } = attrs as unknown as { inputShape: [number, number, number, number] };
      return tf.tidy(() =>
        conv2dInputGrad(inputShape, asTensor<tf.Tensor4D>(inputs.dy!), asTensor<tf.Tensor4D>(inputs.filter!), strides, dilations, pad, dimRoundingMode),
      );
    },
  });
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc });
}

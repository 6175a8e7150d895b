import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel fixes for tfjs-backend-webgpu 4.22, registered once the backend is up.
 *
 * Cast: an int32 or bool tensor cast to float32 keeps its integer buffer and only changes the
 * label ("no encoding loss"); most shaders convert on read, but the Transpose shader does not, and
 * fails to compile ("expected 'f32', got 'i32'") whenever such a tensor is transposed, as the
 * gradient of a reduction over one-hot targets does. Here the cast ends with a multiplication by
 * 1.0, which writes a real float32 buffer.
 */
export function registerWebgpuKernels(): void {
  const cast = tf.getKernel('Cast', 'webgpu');
  const multiply = tf.getKernel('Multiply', 'webgpu');
  if (!cast || !multiply || (cast as { segbench?: boolean }).segbench) return;
  tf.unregisterKernel('Cast', 'webgpu');
  const kernel: tf.KernelConfig & { segbench: boolean } = {
    kernelName: 'Cast',
    backendName: 'webgpu',
    segbench: true,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const x = inputs.x as tf.TensorInfo;
      const result = cast.kernelFunc(args) as tf.TensorInfo;
      if ((attrs as { dtype: string }).dtype !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return result;
      const gpu = backend as { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo; disposeData(id: unknown): void };
      const one = gpu.makeTensorInfo([], 'float32', new Float32Array([1]));
      const converted = multiply.kernelFunc({ inputs: { a: result, b: one }, backend, attrs: {} }) as tf.TensorInfo;
      gpu.disposeData(one.dataId);
      gpu.disposeData(result.dataId);
      return converted;
    },
  };
  tf.registerKernel(kernel);
}

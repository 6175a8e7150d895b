import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

interface AtrousConfig {
  filters: number;
  kernelSize: number;
  dilation: number;
  name?: string;
}

/**
 * A 3x3 (or k x k) convolution with a dilation rate and no bias, for DeepLab's atrous branches.
 * tfjs-layers' Conv2D always runs tf.fused.conv2d, whose gradient refuses dilation rates above 1;
 * this layer calls the plain conv2d, whose gradient SegBench defines (backend/gradients.ts).
 */
export class AtrousConv2D extends tfl.layers.Layer {
  static readonly className = 'SegBenchAtrousConv2D';
  private readonly config: AtrousConfig;
  private kernel: tfl.LayerVariable | null = null;

  constructor(config: AtrousConfig) {
    super(config.name ? { name: config.name } : {});
    this.config = config;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1] as number;
    const { kernelSize, filters } = this.config;
    this.kernel = this.addWeight('kernel', [kernelSize, kernelSize, channels, filters], 'float32', tfl.initializers.heNormal({}));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.config.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.conv2d(x, this.kernel!.read() as tf.Tensor4D, 1, 'same', 'NHWC', this.config.dilation);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.config.filters, kernelSize: this.config.kernelSize, dilation: this.config.dilation };
  }
}

tf.serialization.registerClass(AtrousConv2D);

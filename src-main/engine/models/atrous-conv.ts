import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The one input's shape: tfjs-layers hands a single-input layer either the shape or a list of one. */
const singleShape = (inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape => (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;

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
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1] as number;
    const { kernelSize, filters } = this.config;
    this.kernel = this.addWeight('kernel', [kernelSize, kernelSize, channels, filters], 'float32', tfl.initializers.heNormal({}));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = singleShape(inputShape);
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

interface DilatedDepthwiseConfig {
  kernelSize: number;
  dilation: number;
  name?: string;
}

/**
 * A depthwise k x k convolution, stride 1, with a dilation rate, 'same' padding (r * (k // 2) on
 * every side for odd k, as PyTorch pads a dilated convolution): MobileNetV2's and EfficientNet's
 * last stage when DeepLabV3+ keeps output stride 16 (segmentation_models_pytorch's make_dilated).
 * tfjs-layers' DepthwiseConv2D never passes its dilationRate on; this layer calls
 * tf.depthwiseConv2d with it, whose gradient SegBench defines (backend/gradients.ts).
 */
export class DilatedDepthwiseConv2D extends tfl.layers.Layer {
  static readonly className = 'SegBenchDilatedDepthwiseConv2D';
  private readonly config: DilatedDepthwiseConfig;
  private kernel: tfl.LayerVariable | null = null;

  constructor(config: DilatedDepthwiseConfig) {
    super(config.name ? { name: config.name } : {});
    this.config = config;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1] as number;
    const { kernelSize } = this.config;
    this.kernel = this.addWeight('depthwise_kernel', [kernelSize, kernelSize, channels, 1], 'float32', tfl.initializers.heNormal({}));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.depthwiseConv2d(x, this.kernel!.read() as tf.Tensor4D, 1, 'same', 'NHWC', this.config.dilation);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.config.kernelSize, dilation: this.config.dilation };
  }
}

tf.serialization.registerClass(DilatedDepthwiseConv2D);

import type * as tfl from '@tensorflow/tfjs-layers';
import { onnx } from 'onnx-proto';

/** The ONNX graph the export builds (onnx-export.ts), and the attribute helpers its layer writers use. */

export const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/** The values of a layer's weights, by their variable; read once per export. */
export type WeightValues = Map<tfl.LayerVariable, Float32Array>;

/** A tensor of the ONNX graph (NCHW) standing for one of the tfjs model's tensors (NHWC). */
export interface Value {
  name: string;
  /** The tfjs tensor's shape at the size the model was built for: [batch, height, width, channels]. */
  shape: (number | null)[];
  /**
   * Set when this value came from a pooling over the whole feature map (spatially 1x1 at any input
   * size): the pooled NCHW tensor's name and its built spatial size, so that an upsampling back to
   * that size can broadcast to it at any size.
   */
  globalOf?: { name: string; height: number; width: number };
}

export class Graph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  /** False once the graph holds something that only works at the built height and width. */
  dynamicSpatial = true;
  /** Global poolings' outputs, with what they pooled (see Value.globalOf). */
  readonly globalSources = new Map<string, NonNullable<Value['globalOf']>>();
  /** Outputs that broadcast a global pooling's value back to the pooled map's size. */
  readonly broadcasts = new Set<string>();

  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 't';
    let name = clean;
    for (let i = 1; this.names.has(name); i += 1) name = `${clean}_${i}`;
    this.names.add(name);
    return name;
  }

  op(opType: string, inputs: string[], base: string, attributes: onnx.IAttributeProto[] = []): string {
    const output = this.unique(base);
    this.nodes.push({ opType, input: inputs, output: [output], name: this.unique(`${base}/${opType}`), attribute: attributes });
    return output;
  }

  floats(base: string, dims: number[], data: Float32Array): string {
    const name = this.unique(base);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i += 1) view.setFloat32(i * 4, data[i]!, true);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: bytes });
    return name;
  }

  int64s(base: string, values: number[]): string {
    const name = this.unique(base);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: bytes });
    return name;
  }
}

export const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: AttributeType.INTS, ints: values });
export const int = (name: string, value: number): onnx.IAttributeProto => ({ name, type: AttributeType.INT, i: value });
export const float = (name: string, value: number): onnx.IAttributeProto => ({ name, type: AttributeType.FLOAT, f: value });
export const text = (name: string, value: string): onnx.IAttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });

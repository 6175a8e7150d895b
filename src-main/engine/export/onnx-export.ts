import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Node as LayerNode } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { onnx } from 'onnx-proto';
import { ApiError } from '../../../src-shared/errors';
import { DataType, Graph, ints } from './onnx-graph';
import type { Value, WeightValues } from './onnx-graph';
import { unsupported } from './onnx-layer-kit';
import type { Config, Emit } from './onnx-layer-kit';
import { exportableLayerClasses, layerWriters, passThrough } from './onnx-layers';

/**
 * A tfjs-layers model written as an ONNX model (opset 17), for ONNX Runtime and for people who
 * take a model elsewhere. The graph walks the model's own nodes (inputs first), one ONNX op or a
 * few per layer; weights become initializers. The ONNX model takes what the tfjs model takes,
 * NHWC float32 images, and gives what it gives, NHWC logits: it transposes to NCHW once at the
 * start and back once at the end (ONNX's Conv, pooling and Resize are NCHW).
 *
 * Sizes: batch is always dynamic; height and width are dynamic unless the model only works at the
 * size it was built for (see `pool` in onnx-layers.ts: DeepLab's image pooling is written so that it
 * does not need a fixed size). Padding 'same' follows TensorFlow's rule (the odd pixel at the end):
 * explicit pads where they do not depend on the size (stride 1), ONNX's SAME_UPPER, which is the
 * same rule, where they do.
 */

/** What goes into the file's metadata_props: any JSON-serialisable values, strings kept as they are. */
type OnnxMeta = Record<string, unknown>;

export const onnxOpset = 17;
/** ONNX IR version 8 is the first that opset 17 allows. */
const irVersion = 8;
const onnxInputName = 'image';
const onnxOutputName = 'logits';

/**
 * Exports `model` with its current weights. Reads them synchronously (dataSync), so this suits
 * the cpu and wasm backends; on WebGPU use exportOnnxAsync.
 */
export function exportOnnx(model: tfl.LayersModel, meta: OnnxMeta): Uint8Array {
  const values: WeightValues = new Map();
  for (const variable of model.weights) values.set(variable, floatValues(variable.read().dataSync(), variable));
  return buildOnnx(model, meta, values);
}

/** exportOnnx reading the weights with `await data()`, for every backend. */
export async function exportOnnxAsync(model: tfl.LayersModel, meta: OnnxMeta): Promise<Uint8Array> {
  const values: WeightValues = new Map();
  for (const variable of model.weights) values.set(variable, floatValues(await variable.read().data(), variable));
  return buildOnnx(model, meta, values);
}

function floatValues(data: tf.TypedArray | string[] | Uint8Array[], variable: tfl.LayerVariable): Float32Array {
  if (data instanceof Float32Array) return data;
  throw new ApiError('VALIDATION', `Cannot export to ONNX: weight "${variable.name}" is ${variable.dtype}; only float32 weights are written.`);
}

// The walk (layer writers: onnx-layers.ts; the graph: onnx-graph.ts)

interface ModelInternals {
  nodesByDepth: Record<string, LayerNode[]>;
  containerNodes: Set<string>;
}

function buildOnnx(model: tfl.LayersModel, meta: OnnxMeta, values: WeightValues): Uint8Array {
  if (model.inputs.length !== 1)
    throw new ApiError('VALIDATION', `Cannot export to ONNX: the model has ${model.inputs.length} inputs; one image input is written.`);
  const modelInput = model.inputs[0]!;
  if (modelInput.shape.length !== 4)
    throw new ApiError('VALIDATION', `Cannot export to ONNX: the model's input is ${modelInput.shape.length}-D; an NHWC image (4-D) is written.`);
  const graph = new Graph();
  const byTensor = new Map<number, Value>();
  // The graph's own input and output names first, so no layer's value takes them.
  const outputNames = model.outputs.map((_, i) => graph.unique(model.outputs.length === 1 ? onnxOutputName : `${onnxOutputName}_${i}`));
  graph.unique(onnxInputName);
  byTensor.set(modelInput.id, { name: graph.op('Transpose', [onnxInputName], 'image_nchw', [ints('perm', [0, 3, 1, 2])]), shape: modelInput.shape });

  const internals = model as unknown as ModelInternals;
  const depths = Object.keys(internals.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a);
  for (const depth of depths) {
    for (const node of internals.nodesByDepth[depth]!) {
      const layer = node.outboundLayer;
      const className = layer.getClassName();
      if (className === 'InputLayer') continue;
      const inputs = node.inputTensors.map((t) => {
        const value = byTensor.get(t.id);
        if (!value) throw new ApiError('VALIDATION', `Cannot export to ONNX: layer "${layer.name}" (${className}) reads a tensor the export has not written.`);
        return value;
      });
      const writer = passThrough.has(className) ? (emit: Emit) => emit.inputs[0]!.name : layerWriters[className];
      if (!writer) {
        throw new ApiError(
          'VALIDATION',
          `Cannot export to ONNX: layer "${layer.name}" is a ${className}, which the ONNX export does not know. It writes: ${exportableLayerClasses.join(', ')}.`,
        );
      }
      if (node.outputTensors.length !== 1) throw unsupported(layer, `${node.outputTensors.length} outputs`);
      const outputShape = node.outputTensors[0]!.shape;
      if (outputShape.length !== 4) throw unsupported(layer, `a ${outputShape.length}-D output (only NHWC feature maps are written)`);
      const name = writer({ graph, layer, config: layer.getConfig() as Config, inputs, outputShape, values });
      byTensor.set(node.outputTensors[0]!.id, { name, shape: outputShape, ...followGlobal(graph, name, inputs, outputShape) });
    }
  }

  const outputs = model.outputs.map((output, i) => {
    const value = byTensor.get(output.id);
    if (!value) throw new ApiError('VALIDATION', `Cannot export to ONNX: the model's output ${i} was not written.`);
    if (value.globalOf) graph.dynamicSpatial = false;
    const name = outputNames[i]!;
    graph.nodes.push({
      opType: 'Transpose',
      input: [value.name],
      output: [name],
      name: graph.unique(`${name}/Transpose`),
      attribute: [ints('perm', [0, 2, 3, 1])],
    });
    return { name, shape: output.shape };
  });

  const dims = (shape: (number | null)[], sameAsInput: boolean): onnx.TensorShapeProto.IDimension[] =>
    shape.map((d, axis) => {
      if (axis === 0) return { dimParam: 'batch' };
      if ((axis === 1 || axis === 2) && (graph.dynamicSpatial || d === null))
        return { dimParam: sameAsInput ? ['', 'height', 'width'][axis] : `${['', 'out_height', 'out_width'][axis]}` };
      return { dimValue: d ?? 0 };
    });
  const sameSpatial = (shape: (number | null)[]): boolean => shape[1] === modelInput.shape[1] && shape[2] === modelInput.shape[2];
  const tensorType = (shape: (number | null)[], sameAsInput: boolean): onnx.ITypeProto => ({
    tensorType: { elemType: DataType.FLOAT, shape: { dim: dims(shape, sameAsInput) } },
  });

  const proto = onnx.ModelProto.create({
    irVersion,
    opsetImport: [{ domain: '', version: onnxOpset }],
    producerName: 'SegBench',
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [{ name: onnxInputName, type: tensorType(modelInput.shape, true), docString: 'NHWC float32 images, normalised as metadata says' }],
      output: outputs.map((o) => ({ name: o.name, type: tensorType(o.shape, sameSpatial(o.shape)), docString: 'NHWC logits (no softmax)' })),
    },
    metadataProps: metadataProps(meta),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Which global pooling a layer's output still stands for: the pooling's own output, or a layer fed
 * only by such values that keeps them 1x1 (convs, batch norm, activations on a 1x1 map compute the
 * same at any input size). A 1x1 value mixed with others ties the graph to the built size.
 */
function followGlobal(graph: Graph, name: string, inputs: Value[], outputShape: (number | null)[]): Pick<Value, 'globalOf'> {
  const pooled = graph.globalSources.get(name);
  if (pooled) return { globalOf: pooled };
  const flagged = inputs.filter((v) => v.globalOf);
  if (flagged.length === 0) return {};
  const stillOne = outputShape[1] === 1 && outputShape[2] === 1;
  if (stillOne && flagged.length === inputs.length) return { globalOf: flagged[0]!.globalOf! };
  // Broadcast back by upsample() (no longer 1x1, nothing to follow), or tied to the built size.
  if (!graph.broadcasts.has(name)) graph.dynamicSpatial = false;
  return {};
}

function metadataProps(meta: OnnxMeta): onnx.IStringStringEntryProto[] {
  const entries: onnx.IStringStringEntryProto[] = [];
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text === undefined) throw new ApiError('VALIDATION', `Cannot export to ONNX: metadata "${key}" is not JSON-serialisable.`);
    entries.push({ key, value: text });
  }
  return entries;
}

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';

/**
 * ONNX Runtime through onnxruntime-node, loaded on first use. The package is a native addon: where
 * it cannot load (a platform without its binaries, a broken install) loadOrt says why and callers
 * keep to tfjs. Inputs and outputs are NHWC float32, as the exported models take and give them
 * (export/onnx-export.ts).
 */

type OrtModule = typeof Ort;
type OrtLoad = { ort: OrtModule; reason?: undefined } | { ort: null; reason: string };

let loading: Promise<OrtLoad> | null = null;

/** onnxruntime-node, or null and the reason it could not load. Tried once per process. */
export function loadOrt(): Promise<OrtLoad> {
  loading ??= import('onnxruntime-node').then(
    (module: OrtModule & { default?: OrtModule }) => {
      // A CommonJS package seen through import(): its exports may sit under `default`.
      const ort = typeof module.InferenceSession === 'function' ? module : module.default;
      if (!ort || typeof ort.InferenceSession !== 'function') return { ort: null, reason: 'onnxruntime-node loaded without an InferenceSession' };
      return { ort };
    },
    (error: unknown) => ({ ort: null, reason: `onnxruntime-node did not load: ${error instanceof Error ? error.message : String(error)}` }),
  );
  return loading;
}

/**
 * The execution providers to try for an imported model, most capable first, and why: DirectML
 * ships in the Windows package (any DirectX 12 GPU); CUDA on Linux only when its provider library
 * was installed beside the runtime (the npm install does not fetch it; see `executionProviders`
 * below); the CPU everywhere, and always last, so a provider that fails to start falls back.
 */
export function inferenceProviders(platform: NodeJS.Platform, hasCudaLibrary: boolean): { providers: string[]; reason: string } {
  if (platform === 'win32') return { providers: ['dml', 'cpu'], reason: 'DirectML (Windows, any DirectX 12 GPU), else the CPU' };
  if (platform === 'linux' && hasCudaLibrary) return { providers: ['cuda', 'cpu'], reason: 'CUDA (its provider library is installed), else the CPU' };
  return {
    providers: ['cpu'],
    reason:
      platform === 'linux'
        ? 'the CPU (for CUDA: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js, with CUDA 12 and cuDNN 9)'
        : 'the CPU',
  };
}

/** Whether onnxruntime-node's CUDA provider library sits beside its runtime (Linux x64). */
export function cudaProviderInstalled(): boolean {
  try {
    const root = dirname(createRequire(__filename).resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

interface OrtSessionOptions {
  /** ONNX Runtime's threads for one operator (its intra-op pool); 1 runs on the calling thread alone. */
  intraOpThreads: number;
  /**
   * Execution providers in order of preference; default the CPU. 'dml' (DirectML) ships in the
   * Windows package; 'cuda' on Linux needs CUDA 12 and cuDNN 9 on the machine and the provider's
   * libraries, which the install does not fetch (package.json's allowScripts denies the download):
   * `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`.
   */
  executionProviders?: string[];
  /**
   * Whether idle intra-op threads spin waiting for work (ORT's default, a little faster between
   * ops). Off by default here: spinning threads take cores from the engine and its workers.
   */
  spinning?: boolean;
  /** Only fatal messages on stderr: for probing a model at sizes it may refuse (the refusal is returned, not printed). */
  quiet?: boolean;
}

export interface OrtSession {
  readonly session: Ort.InferenceSession;
  readonly ort: OrtModule;
  readonly inputName: string;
  readonly outputName: string;
  readonly intraOpThreads: number;
}

type OrtSessionResult = { session: OrtSession; reason?: undefined } | { session: null; reason: string };

/** An inference session over an ONNX model (its bytes, or a file's path), or null and why (no runtime, or a model it refused). */
export async function createOrtSession(model: Uint8Array | string, options: OrtSessionOptions): Promise<OrtSessionResult> {
  const { ort, reason } = await loadOrt();
  if (!ort) return { session: null, reason };
  const intraOpThreads = Math.max(1, Math.floor(options.intraOpThreads));
  try {
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders: options.executionProviders ?? ['cpu'],
      ...(options.quiet && { logSeverityLevel: 4 as const }),
      extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
    };
    const session =
      typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
    const [inputName] = session.inputNames;
    const [outputName] = session.outputNames;
    if (inputName === undefined || outputName === undefined || session.inputNames.length !== 1) {
      await session.release();
      return {
        session: null,
        reason: `the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; one input and an output are needed`,
      };
    }
    return { session: { session, ort, inputName, outputName, intraOpThreads } };
  } catch (error) {
    return { session: null, reason: `ONNX Runtime refused the model: ${error instanceof Error ? error.message : String(error)}` };
  }
}

interface OrtOutput {
  /** NHWC logits. */
  logits: Float32Array;
  /** [batch, height, width, classes]. */
  shape: [number, number, number, number];
}

/** Runs a batch of NHWC float32 images [n, h, w, c] and returns the logits [n, h, w, classes]. */
export async function runOrt(session: OrtSession, nhwc: Float32Array, shape: readonly [number, number, number, number]): Promise<OrtOutput> {
  const size = shape.reduce((a, b) => a * b, 1);
  if (nhwc.length !== size) throw new Error(`runOrt: ${nhwc.length} values for a batch of shape [${shape.join(', ')}] (${size})`);
  const input = new session.ort.Tensor('float32', nhwc, [...shape]);
  const results = await session.session.run({ [session.inputName]: input });
  const output = results[session.outputName];
  if (!output || !(output.data instanceof Float32Array) || output.dims.length !== 4) {
    throw new Error(`runOrt: the model's output "${session.outputName}" is not a 4-D float32 tensor`);
  }
  const [n, h, w, classes] = output.dims as [number, number, number, number];
  return { logits: output.data, shape: [n, h, w, classes] };
}

/** Frees the session's native memory. */
export async function releaseOrtSession(session: OrtSession): Promise<void> {
  await session.session.release();
}

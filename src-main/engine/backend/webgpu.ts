import * as tf from '@tensorflow/tfjs-core';
import { registerWebgpuKernels } from './webgpu-kernels';

/**
 * The WebGPU route: tfjs's webgpu backend on Dawn's Node bindings (npm `webgpu`), which reach the
 * GPU through Vulkan, D3D12 or Metal, so no CUDA is needed. Dawn is loaded only when this route is
 * tried; tfjs-backend-webgpu registers itself only where `navigator.gpu` exists, so the globals are
 * set before it is required.
 */

/** What the run page and the system report say about the adapter. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (SwiftShader, llvmpipe/lavapipe, WARP, Dawn's fallback): never chosen automatically. */
  software: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  features: { has(name: string): boolean };
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

const softwareNames = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|microsoft basic render|software/i;

/** Reads an adapter into the report: names, the software test and the limits training depends on. */
export function describeAdapter(adapter: AdapterLike): AdapterReport {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const device = info.device ?? '';
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  return {
    vendor,
    architecture,
    device,
    description,
    software: fallback || softwareNames.test(`${vendor} ${architecture} ${description} ${device}`),
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize ?? 0,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize ?? 0,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize ?? 0,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup ?? 0,
    },
  };
}

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/** One line: "NVIDIA (ampere) NVIDIA GeForce RTX 3090, max buffer 4096 MiB, max storage binding 2048 MiB". */
export function adapterLine(report: AdapterReport): string {
  const arch = report.architecture ? ` (${report.architecture})` : '';
  const name = report.description || report.device || 'unnamed adapter';
  const vendor = report.vendor && !name.toLowerCase().includes(report.vendor.toLowerCase()) ? `${report.vendor}${arch} ` : arch ? `${arch.trim()} ` : '';
  const software = report.software ? ', a software adapter (CPU)' : '';
  return `${vendor}${name}${software}; max buffer ${mib(report.limits.maxBufferSize)}, max storage binding ${mib(report.limits.maxStorageBufferBindingSize)}`;
}

/** What WebGPU needs that tfjs's kernels assume: each limit's minimum (tfjs requests the adapter's own). */
const requiredLimits: Record<keyof AdapterReport['limits'], number> = {
  maxBufferSize: 64 * 2 ** 20,
  maxStorageBufferBindingSize: 64 * 2 ** 20,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
};

/** Names each limit under what training needs, with both values; empty when the adapter is enough. */
export function missingLimits(report: AdapterReport): string[] {
  return (Object.keys(requiredLimits) as (keyof AdapterReport['limits'])[])
    .filter((name) => report.limits[name] < requiredLimits[name])
    .map((name) => `${name} is ${report.limits[name]}, training needs at least ${requiredLimits[name]}`);
}

/** Throws, with the reason, for an adapter that training must not use: a software one unless forced, or one short of a limit. */
export function acceptAdapter(adapter: AdapterReport, allowSoftware: boolean): void {
  if (adapter.software && !allowSoftware) {
    throw new Error(
      `WebGPU: the only adapter is ${adapter.description || adapter.architecture || 'a software one'}, a software adapter that runs on the CPU; it is never chosen automatically (choose WebGPU to force it).`,
    );
  }
  const short = missingLimits(adapter);
  if (short.length > 0) throw new Error(`WebGPU: the adapter ${adapter.description || adapter.vendor} falls short: ${short.join('; ')}.`);
}

/** Explains why Dawn did not load: the package missing, or the Vulkan loader missing on Linux. */
export function explainDawnFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Cannot find (module|package) 'webgpu'/.test(message)) return 'WebGPU: the webgpu package (Dawn) is not installed; run npm install.';
  if (/libvulkan/.test(message)) {
    return 'WebGPU: Dawn needs libvulkan.so.1, the Vulkan loader (Debian and Ubuntu: apt install libvulkan1), and a GPU driver with Vulkan support.';
  }
  return `WebGPU: Dawn failed to load: ${message.split('\n')[0]}`;
}

/** Opens a shared library by name through the dynamic loader's own search, as Dawn does; throws when it cannot. */
export type LibraryOpener = (name: string) => void;

const openLibrary: LibraryOpener = (name) => {
  try {
    process.dlopen({ exports: {} }, name);
  } catch (error) {
    // The library loaded but is not a Node addon: what this check wanted to know.
    if (!/did not self-register/.test(error instanceof Error ? error.message : String(error))) throw error;
  }
};

/**
 * On Linux, why Dawn cannot reach Vulkan: the loader libvulkan.so.1 is missing or does not load.
 * Asked before Dawn is created, because Dawn itself prints "Warning: Couldn't load Vulkan" with a
 * line of its C++ source to stderr at every start; the job then says it once, in words. Null when
 * the loader opens, and off Linux (Dawn uses D3D12 or Metal there).
 */
export function vulkanLoaderProblem(platform: NodeJS.Platform = process.platform, open: LibraryOpener = openLibrary): string | null {
  if (platform !== 'linux') return null;
  try {
    open('libvulkan.so.1');
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const why = /cannot open shared object file|no such file/i.test(message)
      ? 'libvulkan.so.1 not found'
      : `libvulkan.so.1 did not load: ${message.split('\n')[0]!.replace(/^[^:]*libvulkan\.so\.1: /, '')}`;
    return `WebGPU: no Vulkan driver on this machine (${why}); skipped. It needs the Vulkan loader (Debian and Ubuntu: apt install libvulkan1) and a GPU driver with Vulkan support.`;
  }
}

let gpu: GpuLike | null = null;

/** Loads Dawn once and makes `navigator.gpu` and the WebGPU globals that tfjs expects. */
function dawn(): GpuLike {
  if (gpu) return gpu;
  // Loaded at run time: a native addon that needs the Vulkan loader, tried only on this route.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { create, globals } = require('webgpu') as { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  Object.assign(globalThis, globals);
  gpu = create([]);
  const host = globalThis as { navigator?: { gpu?: unknown } };
  if (host.navigator) {
    if (!host.navigator.gpu) Object.defineProperty(host.navigator, 'gpu', { value: gpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  return gpu;
}

/** The adapter Dawn offers for compute, or the reason there is none. */
export async function probeAdapter(loaderProblem: () => string | null = vulkanLoaderProblem): Promise<AdapterReport> {
  // Dawn is not created without the Vulkan loader: it would print its own warning and find nothing.
  const missing = gpu ? null : loaderProblem();
  if (missing) throw new Error(missing);
  let adapter: AdapterLike | null;
  try {
    adapter = await dawn().requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    throw new Error(explainDawnFailure(error));
  }
  if (!adapter) {
    throw new Error('WebGPU: no adapter. Dawn found no GPU driver with Vulkan (Linux), D3D12 (Windows) or Metal (macOS) support.');
  }
  return describeAdapter(adapter);
}

/** Set when the device is lost: the next step fails with this reason instead of hanging. */
let lostReason: string | null = null;
/** The first error the device raised outside an error scope (out of memory, validation). */
let deviceError: { outOfMemory: boolean; message: string } | null = null;

/**
 * Throws when the WebGPU device was lost (driver reset, GPU removed) or raised an error, such as
 * running out of memory, that tfjs does not see itself. A no-op on other backends.
 */
export function checkDeviceAlive(): void {
  if (tf.getBackend() !== 'webgpu') return;
  if (lostReason) throw new Error(`The GPU device was lost: ${lostReason}. The run keeps its last checkpoint; resume it, on this or another backend.`);
  if (deviceError?.outOfMemory) throw new GpuOutOfMemory(deviceError.message);
  if (deviceError) throw new Error(`The GPU device reported an error: ${deviceError.message}`);
}

/** WebGPU ran out of memory; the train job turns it into the largest batch that fits. */
export class GpuOutOfMemory extends Error {
  constructor(detail: string) {
    super(`The GPU ran out of memory (${detail})`);
  }
}

/** For tests: what the device's error and lost handlers record. */
export function recordDeviceEvent(event: { lost?: string; error?: { outOfMemory: boolean; message: string } } | null): void {
  if (event === null) {
    lostReason = null;
    deviceError = null;
    return;
  }
  if (event.lost !== undefined) lostReason = event.lost;
  if (event.error) deviceError ??= event.error;
}

const watched = new WeakSet<object>();

interface WebgpuBackendLike {
  device?: {
    lost?: Promise<{ reason?: string; message?: string }>;
    addEventListener?(type: string, listener: (event: { error?: { message?: string; constructor?: { name?: string } } }) => void): void;
  };
}

/**
 * Starts the webgpu backend. A software adapter is refused unless `allowSoftware` (the user forced
 * WebGPU): it trains about 100 times slower than the CPU backends.
 */
export async function startWebgpu(allowSoftware: boolean): Promise<{ device: string; adapter: AdapterReport }> {
  const adapter = await probeAdapter();
  acceptAdapter(adapter, allowSoftware);
  // Registers the 'webgpu' backend now that navigator.gpu exists.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU: the webgpu backend did not initialise.');
  registerWebgpuKernels();
  recordDeviceEvent(null);
  const device = (tf.backend() as unknown as WebgpuBackendLike).device;
  // tfjs keeps one device per process: its handlers are added once.
  if (!device || watched.has(device)) return { device: `${adapterLine(adapter)} (WebGPU on Dawn)`, adapter };
  watched.add(device);
  void device.lost?.then((info) => recordDeviceEvent({ lost: info.message || info.reason || 'unknown reason' }));
  device.addEventListener?.('uncapturederror', (event) => {
    const message = event.error?.message ?? 'unknown error';
    recordDeviceEvent({ error: { outOfMemory: event.error?.constructor?.name === 'GPUOutOfMemoryError' || /out of memory/i.test(message), message } });
  });
  return { device: `${adapterLine(adapter)} (WebGPU on Dawn)`, adapter };
}

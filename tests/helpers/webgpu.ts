import { existsSync } from 'node:fs';
import type { AdapterReport } from '../../src-main/engine/backend/webgpu';

/** Debian's chromium ships SwiftShader, a software Vulkan: WebGPU on the CPU, for correctness tests. */
const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points the Vulkan loader at SwiftShader (before Dawn loads) and starts the webgpu backend with the
 * software adapter allowed. Returns the adapter, or why WebGPU cannot run here; under CI (which
 * installs chromium and libvulkan1) a missing WebGPU is an error, not a skip.
 */
export async function startSoftwareWebgpu(): Promise<{ adapter: AdapterReport } | { skip: string }> {
  if (!existsSync(swiftshaderIcd)) return unavailable(`${swiftshaderIcd} is missing (apt install chromium)`);
  process.env.VK_ICD_FILENAMES = swiftshaderIcd;
  const { startWebgpu } = await import('../../src-main/engine/backend/webgpu');
  try {
    return { adapter: (await startWebgpu(true)).adapter };
  } catch (error) {
    return unavailable((error as Error).message);
  }
}

function unavailable(reason: string): { skip: string } {
  if (process.env.CI) throw new Error(`WebGPU on SwiftShader must run in CI: ${reason}`);
  return { skip: `WebGPU on SwiftShader is not available here: ${reason}` };
}

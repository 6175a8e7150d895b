import { z } from './zod';

export const backendChoices = ['auto', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm'] as const;
export type BackendChoice = (typeof backendChoices)[number];

export const themeChoices = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof themeChoices)[number];

export const settingsSchema = z.strictObject({
  /** Which tfjs backend the engine uses; `auto` takes the first that starts: CUDA, WebGPU on a hardware adapter, native CPU, wasm. */
  backend: z.enum(backendChoices),
  /** `system` follows the operating system's light or dark preference. */
  theme: z.enum(themeChoices),
});
export type Settings = z.output<typeof settingsSchema>;

export const defaultSettings: Settings = { backend: 'auto', theme: 'system' };

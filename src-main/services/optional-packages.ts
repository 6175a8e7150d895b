import type { OptionalPackage } from '../../src-shared/contract';

/** `probe` is a file that exists only once the package's install step (a binary download) succeeded. */
const packages: readonly (Omit<OptionalPackage, 'installed'> & { probe: string })[] = [
  { name: '@tensorflow/tfjs-node-gpu', probe: 'package.json', purpose: 'training on an NVIDIA GPU (CUDA 11.2, cuDNN 8.1)' },
  { name: '@tensorflow/tfjs-node', probe: 'package.json', purpose: 'training on the native CPU backend' },
  { name: 'electron', probe: 'path.txt', purpose: 'the desktop window (without it, use `segbench serve` in a browser)' },
];

/** Which optional dependencies npm managed to install here (they download binaries at install). */
export function optionalPackages(resolveModule: (name: string) => string = require.resolve): OptionalPackage[] {
  return packages.map(({ name, probe, purpose }) => {
    let installed = false;
    try {
      resolveModule(`${name}/${probe}`);
      installed = true;
    } catch {
      installed = false;
    }
    return { name, purpose, installed };
  });
}

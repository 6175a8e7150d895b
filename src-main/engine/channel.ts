import type { EngineToMain, MainToEngine } from '../../src-shared/engine-protocol';

/**
 * The engine's link to main. Under Electron's utilityProcess it is `process.parentPort`; under a
 * Node fork it is the IPC channel of `process.send`. The engine never imports electron: it only
 * looks for the port Electron puts on `process`.
 */
interface EngineChannel {
  post(message: EngineToMain): Promise<void>;
  onMessage(listener: (message: MainToEngine) => void): void;
  /** Main went away: an orphaned engine must not go on using the GPU. */
  onDisconnect(listener: () => void): void;
}

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectToMain(): EngineChannel {
  const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (message) => {
        parentPort.postMessage(message);
        return Promise.resolve();
      },
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data as MainToEngine)),
      // Electron ends utility processes together with their parent.
      onDisconnect: () => {},
    };
  }
  if (!process.send) {
    throw new Error('The SegBench engine must be started by SegBench (no IPC channel to main).');
  }
  return {
    post: (message) =>
      new Promise((resolve) => {
        if (!process.connected || !process.send) {
          resolve();
          return;
        }
        process.send(message, undefined, {}, () => resolve());
      }),
    onMessage: (listener) => process.on('message', (message) => listener(message as MainToEngine)),
    onDisconnect: (listener) => process.on('disconnect', listener),
  };
}

import { contextBridge, ipcRenderer } from 'electron';
import { isEventName, isMethodName } from '../../src-shared/contract';
import type { SegbenchBridge } from '../../src-shared/contract';

/**
 * The only door between the sandboxed renderer and main. It forwards declared methods and events
 * and nothing else; `on` returns the function that unsubscribes.
 */
const bridge: SegbenchBridge = {
  invoke(method, payload) {
    if (!isMethodName(method)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `Unknown method ${method}.` } });
    }
    return ipcRenderer.invoke(method, payload) as ReturnType<SegbenchBridge['invoke']>;
  },
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`Unknown event ${event}.`);
    const handler = (_event: Electron.IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(event, handler);
    return () => ipcRenderer.removeListener(event, handler);
  },
};

contextBridge.exposeInMainWorld('segbench', bridge);

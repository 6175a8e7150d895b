import type { ApiClient, FileKind, SegbenchBridge } from '../../src-shared/contract';
import { createIpcClient } from './ipc-client';
import { createWsClient } from './ws-client';
import type { ConnectionState } from './ws-client';

/**
 * The one module of the renderer that talks to main. In Electron the preload has put the bridge
 * on `window.segbench`; in a browser (serve mode) the API runs over a WebSocket to the page's host.
 */
declare global {
  interface Window {
    segbench?: SegbenchBridge;
  }
}

export interface Connection {
  api: ApiClient;
  /** Where the renderer loads a dataset file from: segbench:// in Electron, /files/ in serve mode. */
  fileUrl(kind: FileKind, imageId: number, runId?: string): string;
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

export function connect(): Connection {
  if (window.segbench) {
    const api = createIpcClient(window.segbench);
    return {
      api,
      fileUrl: (kind, imageId, runId) => `segbench://files/${kind}/${runId ? `${runId}/` : ''}${imageId}`,
      state: () => 'open',
      onState: () => () => {},
    };
  }
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const client = createWsClient(`${scheme}://${window.location.host}/api/ws`);
  return {
    api: client,
    fileUrl: (kind, imageId, runId) => `/files/${kind}/${runId ? `${runId}/` : ''}${imageId}`,
    state: () => client.state,
    onState: (listener) => client.onState(listener),
  };
}

export type { ApiClient, ConnectionState };

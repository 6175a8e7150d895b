import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { FileKind } from '../../src-shared/contract';
import type { ApiClient, Connection, ConnectionState } from '../api';

const ConnectionContext = createContext<Connection | null>(null);

export function ApiProvider({ connection, children }: { connection: Connection; children: ReactNode }) {
  return <ConnectionContext.Provider value={connection}>{children}</ConnectionContext.Provider>;
}

function useConnection(): Connection {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error('useApi must be used inside <ApiProvider>');
  return connection;
}

export function useApi(): ApiClient {
  return useConnection().api;
}

export function useFileUrl(): (kind: FileKind, imageId: number, runId?: string) => string {
  return useConnection().fileUrl;
}

export function useConnectionState(): ConnectionState {
  const connection = useConnection();
  return useSyncExternalStore(connection.onState, connection.state);
}

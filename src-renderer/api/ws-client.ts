import type { ApiClient, EventName, EventPayloads, MethodName, RequestOf, ResponseOf, WireReply } from '../../src-shared/contract';
import { isEventName } from '../../src-shared/contract';
import { ApiError } from '../../src-shared/errors';
import { unwrapReply } from '../../src-shared/wire';

export type ConnectionState = 'connecting' | 'open' | 'closed';

interface WsApiClient extends ApiClient {
  readonly state: ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

/**
 * Serve mode's client: one WebSocket to main, requests matched to replies by id, events pushed.
 * The access token travels as the cookie the server set when the tokenised address was opened.
 * After a drop it reconnects with backoff; requests in flight fail with a clear message.
 */
export function createWsClient(url: string): WsApiClient {
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  const queue: string[] = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  function setState(next: ConnectionState): void {
    state = next;
    for (const listener of stateListeners) listener(next);
  }

  function connect(): void {
    setState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      setState('open');
      for (const frame of queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (message) => receive(String(message.data));
    ws.onclose = () => {
      socket = null;
      for (const [, request] of pending) {
        request.reject(new ApiError('INTERNAL', 'Lost the connection to SegBench; is `segbench serve` still running?'));
      }
      pending.clear();
      setState('closed');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5_000);
    };
  }

  function receive(text: string): void {
    const frame = JSON.parse(text) as WireReply | { event: unknown; payload: unknown };
    if ('event' in frame) {
      if (isEventName(frame.event)) for (const listener of listeners.get(frame.event) ?? []) listener(frame.payload);
      return;
    }
    const request = pending.get(frame.id);
    if (!request) return;
    pending.delete(frame.id);
    try {
      request.resolve(unwrapReply(frame));
    } catch (error) {
      request.reject(error);
    }
  }

  connect();

  return {
    get state() {
      return state;
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    invoke<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
      const id = nextId++;
      const frame = JSON.stringify({ id, method, payload: request });
      return new Promise<ResponseOf<M>>((resolve, reject) => {
        pending.set(id, { resolve: (value) => resolve(value as ResponseOf<M>), reject });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame);
        else queue.push(frame);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const wrapped = (payload: unknown): void => listener(payload as EventPayloads[E]);
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
}

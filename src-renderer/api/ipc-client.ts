import type { ApiClient, EventName, EventPayloads, MethodName, RequestOf, ResponseOf, SegbenchBridge } from '../../src-shared/contract';
import { unwrapReply } from '../../src-shared/wire';

/** The desktop app's client over the preload bridge (`window.segbench`). */
export function createIpcClient(bridge: SegbenchBridge): ApiClient {
  return {
    async invoke<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
      return unwrapReply(await bridge.invoke(method, request)) as ResponseOf<M>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      return bridge.on(event, (payload) => listener(payload as EventPayloads[E]));
    },
  };
}

import type { ApiClient, EventName, EventPayloads, MethodName, RequestOf, ResponseOf } from '../../src-shared/contract';
import { unwrapReply } from '../../src-shared/wire';
import type { Dispatch } from './router';
import type { EventBus } from '../services/event-bus';

/**
 * A client that calls the services directly, for tests. Payloads pass through JSON both ways so
 * that anything a real transport could not carry fails here too.
 */
export function createMemoryClient(services: { dispatch: Dispatch; events: EventBus }): ApiClient {
  const roundTrip = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
  return {
    async invoke<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
      const reply = await services.dispatch(method, roundTrip(request));
      return unwrapReply(roundTrip(reply) as typeof reply) as ResponseOf<M>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      return services.events.onAny((name, payload) => {
        if (name === event) listener(roundTrip(payload) as EventPayloads[E]);
      });
    },
  };
}

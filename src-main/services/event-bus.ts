import type { EventName, EventPayloads } from '../../src-shared/contract';

type AnyListener = (event: EventName, payload: EventPayloads[EventName]) => void;

/** Main's typed event hub: services emit, every transport forwards to its clients. */
export class EventBus {
  private readonly listeners = new Set<AnyListener>();

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** Receives every event; returns the function that unsubscribes. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

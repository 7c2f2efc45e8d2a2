export type Listener<T> = (payload: T) => void;

type ListenerSets<Events> = { [K in keyof Events]?: Set<Listener<Events[K]>> };

/**
 * A minimal typed event emitter that runs in browsers and Node alike (no `events` import).
 * A listener that throws does not stop the others or the emitter's caller: its error is
 * re-thrown on a fresh task, where the host reports it as uncaught, as EventTarget does.
 */
export class TypedEmitter<Events extends object> {
  private readonly listeners: ListenerSets<Events> = {};

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const set = this.listeners[event] ?? new Set<Listener<Events[K]>>();
    set.add(listener);
    this.listeners[event] = set;
    return () => this.off(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners[event]?.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners[event];
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (e) {
        setTimeout(() => {
          throw e;
        }, 0);
      }
    }
  }
}

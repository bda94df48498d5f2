import { getLogger } from '@multiproc/logging';
import {
  abortError,
  checkTimeout,
  type HandleRef,
  Host,
  holdProcess,
  ProtocolError,
  registerHandleKind,
  releaseProcess,
  SharedObject,
  toHandle,
  type WaitOptions,
  waitWithDeadline,
  whileHeld,
} from '@multiproc/wire';
import { EventProxy } from './event-proxy.js';
import { EventState } from './event-state.js';

/** The handle kind an Event travels as. */
export const EVENT_KIND = 'multiproc.event';

/** Options of `Event.wait()`. */
export interface EventWaitOptions extends WaitOptions {}

const resolvedVoid = Promise.resolve();
const owners = new WeakMap<EventState, Event>();
/** Set by the reviver just before it constructs a proxy. */
let proxyOf: { address: string; id: number } | null = null;

/**
 * Python's `multiprocessing.Event`: a flag that processes wait on.
 *
 * The process that calls `new Event()` owns the flag; passing the Event to
 * another process (a Process argument, a Queue item, a Pipe message, a Pool
 * task argument) gives that process a proxy to the same flag. Every method is
 * async, on the owner too, so code works the same wherever it runs: a proxy's
 * flag lives in another process and cannot be read synchronously.
 *
 * A proxy whose owner has exited rejects with `ConnectionClosedError`. An idle
 * Event never keeps a process alive; a pending `wait()` does.
 */
export class Event extends SharedObject {
  /** The flag, when this process owns it; `null` in a proxy. */
  readonly #state: EventState | null;
  /** The owner's flag, when another process owns it; `null` in the owner. */
  readonly #proxy: EventProxy | null;
  /** Where the owner serves the flag (set in the owner once it is first passed on). */
  #address: string | null = null;
  #id = 0;

  constructor() {
    super();
    const remote = proxyOf;
    proxyOf = null;
    if (remote === null) {
      this.#state = new EventState();
      this.#proxy = null;
      owners.set(this.#state, this);
    } else {
      this.#state = null;
      this.#proxy = new EventProxy(remote.address, remote.id);
      this.#address = remote.address;
      this.#id = remote.id;
    }
  }

  /**
   * Sets the flag and wakes every process waiting on it. Idempotent. In a
   * proxy it resolves once sent: the owner applies it before any later
   * operation of this process on any object of that owner (README).
   */
  set(): Promise<void> {
    if (this.#state !== null) {
      this.#state.set();
      return resolvedVoid;
    }
    return this.#proxy!.update('set');
  }

  /** Resets the flag, so later `wait()`s block until the next `set()`. In a proxy, as `set()`. */
  clear(): Promise<void> {
    if (this.#state !== null) {
      this.#state.clear();
      return resolvedVoid;
    }
    return this.#proxy!.update('clear');
  }

  /** Whether the flag is set, as the owner sees it when it answers. */
  isSet(): Promise<boolean> {
    if (this.#state !== null) return Promise.resolve(this.#state.flag);
    return this.#proxy!.isSet();
  }

  /**
   * Waits until the flag is set. Resolves `true` when it is (at once if it
   * already is), `false` when `timeout` ms pass first, as Python's
   * `Event.wait`. `timeout: 0` only looks. Aborting `signal` rejects with
   * `AbortError`; a proxy whose owner exits rejects with `ConnectionClosedError`.
   */
  wait(options: EventWaitOptions = {}): Promise<boolean> {
    let timeout: number;
    try {
      timeout = checkTimeout(options.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    const state = this.#state;
    if (state !== null) {
      if (state.flag) return Promise.resolve(true);
      if (timeout === 0) return Promise.resolve(false);
      // Nothing can end this wait but a set(): no timer, no abort listener, one closure.
      if (timeout === Number.POSITIVE_INFINITY && options.signal === undefined) {
        holdProcess();
        return new Promise<boolean>((resolve) => {
          state.onSet(() => {
            releaseProcess();
            resolve(true);
          });
        });
      }
      return whileHeld(() =>
        waitWithDeadline<boolean>(
          options,
          (resolve) => state.onSet(() => resolve(true)),
          () => false,
        ),
      );
    }
    if (timeout === 0) return this.isSet();
    // The pending request keeps this process alive (wire holds the link while a reply is due).
    return this.#proxy!.wait(options);
  }

  [toHandle](): HandleRef {
    if (this.#state !== null && this.#id === 0) {
      const host = Host.current();
      this.#id = host.register(this.#state);
      this.#address = host.address;
      getLogger().debug('Event shared: served by host %s as object %d', host.address, this.#id);
    }
    if (this.#address === null) {
      // Only reachable for an owner whose registration failed above.
      throw new ProtocolError('Event has no owner address');
    }
    return { kind: EVENT_KIND, address: this.#address, id: this.#id, module: import.meta.url };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    if (this.#state !== null) return `<Event ${this.#state.flag ? 'set' : 'unset'}>`;
    return `<Event proxy of ${this.#address}#${this.#id}>`;
  }
}

function revive(ref: HandleRef): Event {
  if (typeof ref.address !== 'string' || typeof ref.id !== 'number') {
    throw new ProtocolError('malformed Event handle');
  }
  // Back in the owner's process: the owner itself, so identity and direct calls hold.
  const host = Host.existing();
  if (host !== null && host.address === ref.address) {
    const state = host.lookup(ref.id);
    const owner = state instanceof EventState ? owners.get(state) : undefined;
    if (owner !== undefined) return owner;
  }
  proxyOf = { address: ref.address, id: ref.id };
  return new Event();
}

registerHandleKind(EVENT_KIND, import.meta.url, revive);

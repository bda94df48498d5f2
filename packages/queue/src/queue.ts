import { getLogger } from '@multiproc/logging';
import {
  type HandleRef,
  Host,
  QueueClosedError,
  registerHandleKind,
  SharedObject,
  toHandle,
  type WaitOptions,
} from '@multiproc/wire';
import { checkItem } from './check-item.js';
import { checkMaxsize, type QueueOptions, waitOptionsError } from './options.js';
import { QueueProxy } from './queue-proxy.js';
import { QueueState } from './queue-state.js';

export const QUEUE_KIND = 'multiproc.queue';

/** Objects owned here, by host id: a handle coming home revives as the object itself. */
const owners = new Map<number, Queue<any>>();
/** One proxy per remote queue in a process, so close() and prefetched items are per process, as in Python. */
const proxies = new Map<string, Queue<any>>();
/** Set while `fromHandle` constructs a proxy-backed instance. */
let adopting: QueueProxy<any> | null = null;

/**
 * A FIFO queue that any process can put to and get from: Python's
 * `multiprocessing.Queue`. The creating process owns the items; everyone
 * else holds a proxy, obtained by passing the queue to another process
 * (a Process argument, a queue item, a pipe message).
 */
export class Queue<T = unknown> extends SharedObject implements AsyncIterable<T> {
  readonly #state: QueueState<T> | null;
  readonly #proxy: QueueProxy<T> | null;
  #address: string | null = null;

  constructor(options: QueueOptions = {}) {
    super();
    const proxy = adopting;
    adopting = null;
    this.#proxy = proxy;
    this.#state = proxy ? null : this.createState(checkMaxsize(options?.maxsize));
  }

  /** A handle's receiving side: the owner's own object at home, else this process's proxy. */
  static fromHandle<Q extends Queue<any>>(this: new () => Q, ref: HandleRef): Q {
    if (Host.existing()?.address === ref.address) {
      const own = owners.get(ref.id);
      if (own) return own as Q;
    }
    const key = `${ref.address}#${ref.id}`;
    let q = proxies.get(key) as Q | undefined;
    if (q === undefined) {
      adopting = new QueueProxy(ref);
      try {
        // biome-ignore lint/complexity/noThisInStatic: a subclass (JoinableQueue) revives as itself
        q = new this();
      } finally {
        adopting = null;
      }
      proxies.set(key, q);
    }
    return q;
  }

  /** The owner's state for this queue (subclasses return their own kind). */
  protected createState(maxsize: number): QueueState<T> {
    return new QueueState<T>(maxsize);
  }
  /** The owner's state, or `null` in a process that holds a proxy. */
  protected get state(): QueueState<T> | null {
    return this.#state;
  }
  /** The proxy, or `null` in the owning process. */
  protected get proxy(): QueueProxy<T> | null {
    return this.#proxy;
  }
  protected get handleKind(): string {
    return QUEUE_KIND;
  }
  protected get handleModule(): string {
    return import.meta.url;
  }

  /** The bound given at construction; `0` means unbounded. */
  get maxsize(): number {
    return this.#state ? this.#state.maxsize : this.#proxy!.maxsize;
  }

  /** Put an item, waiting while the queue is full. Rejects with QueueFullError on timeout, QueueClosedError after close, EncodeError for a value that cannot travel. */
  put(item: T, options?: WaitOptions): Promise<void> {
    const error = waitOptionsError(options);
    if (error) return Promise.reject(error);
    if (this.#proxy) return this.#proxy.put(item, options);
    try {
      checkItem(item);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#state!.put(item, options);
  }

  /** Put without waiting: QueueFullError at once if the queue is full. */
  putNowait(item: T): Promise<void> {
    if (this.#proxy) return this.#proxy.putNowait(item);
    try {
      checkItem(item);
      this.#state!.putNowait(item);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Remove and return the next item, waiting for one. QueueEmptyError on timeout; QueueClosedError once closed and drained. */
  get(options?: WaitOptions): Promise<T> {
    const error = waitOptionsError(options);
    if (error) return Promise.reject(error);
    return this.#proxy ? this.#proxy.get(options) : this.#state!.get(options);
  }

  /** Remove and return an item if one is there now, else QueueEmptyError. */
  getNowait(): Promise<T> {
    if (this.#proxy) return this.#proxy.getNowait();
    try {
      return Promise.resolve(this.#state!.getNowait());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The number of items, counted by the owner when it answers (a proxy adds the items it has prefetched). */
  qsize(): Promise<number> {
    return this.#proxy ? this.#proxy.qsize() : Promise.resolve(this.#state!.qsize());
  }
  empty(): Promise<boolean> {
    return this.#proxy ? this.#proxy.empty() : Promise.resolve(this.#state!.qsize() === 0);
  }
  full(): Promise<boolean> {
    return this.#proxy ? this.#proxy.full() : Promise.resolve(this.#state!.full());
  }

  /**
   * By the owner: closes the queue for everyone (puts reject with
   * QueueClosedError, gets drain what is left, then iteration ends). On any
   * other handle: no more puts through this handle. Idempotent.
   */
  close(): void {
    if (this.#proxy) this.#proxy.close();
    else if (!this.#state!.closed) {
      this.#state!.close();
      getLogger().debug('queue %s closed', this.#state!.id ?? '(unshared)');
    }
  }

  /** Yields items until the queue is closed and drained. Breaking out hands prefetched items back. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      while (true) {
        let item: T;
        try {
          item = await this.get();
        } catch (error) {
          if (error instanceof QueueClosedError) return;
          throw error;
        }
        yield item;
      }
    } finally {
      this.#proxy?.giveBack();
    }
  }

  /** `close()`, and a proxy hands its prefetched items back. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    this.#proxy?.giveBack();
  }

  [toHandle](): HandleRef {
    if (this.#proxy) return this.#proxy.ref;
    const state = this.#state!;
    if (state.id === undefined) {
      const host = Host.current();
      state.id = host.register(state);
      this.#address = host.address;
      owners.set(state.id, this);
      getLogger().debug('queue %d shared at %s', state.id, host.address);
    }
    const ref = { kind: this.handleKind, module: this.handleModule, address: this.#address!, id: state.id };
    return { ...ref, data: state.maxsize };
  }
}

registerHandleKind(QUEUE_KIND, import.meta.url, (ref) => Queue.fromHandle(ref));

import { getLogger } from '@multiproc/logging';
import {
  type HandleRef,
  HostLink,
  QueueClosedError,
  QueueEmptyError,
  type RemoteErrorInfo,
  type WaitOptions,
  waitWithDeadline,
} from '@multiproc/wire';
import { boundedPut } from './bounded-put.js';
import { ConsumerBuffer } from './consumer-buffer.js';
import { Fifo } from './fifo.js';
import { SYNC_EVENT, SYNCED_OP } from './producer-sync.js';

type LocalWaiter<T> = { live: boolean; resolve(v: T): void; reject(e: unknown): void };

/**
 * A queue owned by another process, reached over this process's link to the
 * owner's host. Unbounded puts are casts (encoded now, batched per tick);
 * bounded ones are requests, since they may wait. A get asks for a batch
 * whose size adapts to how fast this process consumes (ConsumerBuffer).
 */
export class QueueProxy<T> {
  readonly ref: HandleRef;
  readonly maxsize: number;
  #link: HostLink | null = null;
  #dead: Error | null = null;
  #closed = false;
  #ownerClosed = false;
  #confirmed = false;
  readonly #buffer = new ConsumerBuffer<T>((items) => this.#unget(items));
  readonly #waiters = new Fifo<LocalWaiter<T>>();
  #live = 0;
  #fetch: AbortController | null = null;

  constructor(ref: HandleRef) {
    this.ref = ref;
    this.maxsize = typeof ref.data === 'number' ? ref.data : 0;
  }

  /** Connected on first use, so an idle proxy costs nothing. */
  get link(): HostLink {
    if (this.#link === null) {
      const link = HostLink.to(this.ref.address);
      this.#link = link;
      link.subscribe(this.ref.id, this.#onPush);
      link.onClose((error) => this.#onDead(error));
    }
    return this.#link;
  }

  request(op: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    return this.#dead ? Promise.reject(this.#dead) : this.link.request(this.ref.id, op, args, signal);
  }

  /** Fire and forget; throws at once if the args cannot be encoded or the owner is gone. */
  cast(op: string, args: unknown[]): void {
    if (this.#dead) throw this.#dead;
    this.link.cast(this.ref.id, op, args);
  }

  put(item: T, options?: WaitOptions): Promise<void> {
    const error = this.#putError();
    if (error) return Promise.reject(error);
    if (this.maxsize > 0) return boundedPut((signal) => this.request('put', [item], signal), options);
    // The first put is acknowledged: the link is up and the owner knows this producer.
    if (!this.#confirmed) return this.request('put', [item]).then(() => void (this.#confirmed = true));
    try {
      this.cast('put', [item]);
    } catch (e) {
      return Promise.reject(e);
    }
    // A loop of puts that never ends its tick still streams: a batch of 1024 casts to one queue
    // is written out at once (CastBatcher), and any 256 KiB of frames (FrameWriter).
    return this.link.drain();
  }

  putNowait(item: T): Promise<void> {
    if (this.maxsize === 0) return this.put(item);
    const error = this.#putError();
    return error ? Promise.reject(error) : this.request('putNowait', [item]).then(() => {});
  }

  get(options?: WaitOptions): Promise<T> {
    if (this.#buffer.length > 0) {
      const item = this.#buffer.shift();
      if (this.#buffer.wantsMore() && this.#fetch === null) this.#startFetch('take');
      return Promise.resolve(item);
    }
    if (this.#dead) return Promise.reject(this.#dead);
    const wait = (resolve: (v: T) => void, reject: (e: unknown) => void) => {
      const w: LocalWaiter<T> = { live: true, resolve, reject };
      this.#waiters.push(w);
      this.#live++;
      this.#startFetch();
      return () => {
        if (w.live) {
          w.live = false;
          this.#live--;
        }
        // Nobody waits any more: withdraw the request; what it already carries stays buffered here.
        if (this.#live === 0) this.#fetch?.abort();
      };
    };
    return waitWithDeadline<T>(options, wait, () => new QueueEmptyError());
  }

  async getNowait(): Promise<T> {
    if (this.#buffer.length > 0) return this.#buffer.shift();
    const items = (await this.request('take', [this.#buffer.nextCredit()])) as T[];
    this.#buffer.add(items);
    if (this.#buffer.length === 0) throw new QueueEmptyError();
    const item = this.#buffer.shift();
    this.#serve();
    return item;
  }

  async qsize(): Promise<number> {
    return ((await this.request('size', [])) as number) + this.#buffer.length;
  }

  async empty(): Promise<boolean> {
    return this.#buffer.length === 0 && (await this.request('size', [])) === 0;
  }

  async full(): Promise<boolean> {
    return this.maxsize > 0 && ((await this.request('size', [])) as number) >= this.maxsize;
  }

  /** No more puts through this handle. */
  close(): void {
    this.#closed = true;
  }

  /** Hand prefetched items back to the queue (the consumer stopped). */
  giveBack(): void {
    if (!this.#dead) this.#buffer.giveBack();
  }

  #putError(): Error | null {
    if (this.#dead) return this.#dead;
    if (this.#closed || this.#ownerClosed) return new QueueClosedError();
    return null;
  }

  #startFetch(op: 'get' | 'take' = 'get'): void {
    if (this.#fetch !== null || this.#dead) return;
    const controller = new AbortController();
    this.#fetch = controller;
    this.link.request(this.ref.id, op, [this.#buffer.nextCredit(), true], controller.signal).then(
      (items) => {
        this.#fetch = null;
        this.#buffer.add(items as T[]);
        this.#serve();
      },
      (error) => {
        this.#fetch = null;
        this.#failWaiters(error);
      },
    );
  }

  #serve(): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters.peek()!;
      if (w.live && this.#buffer.length === 0) break;
      this.#waiters.shift();
      if (!w.live) continue;
      w.live = false;
      this.#live--;
      w.resolve(this.#buffer.shift());
    }
    if (this.#live > 0) this.#startFetch();
    else if (this.#buffer.wantsMore()) this.#startFetch('take');
  }

  #failWaiters(error: unknown): void {
    for (const w of this.#waiters.drain()) if (w.live) w.reject(error);
    this.#live = 0;
  }

  #unget(items: T[]): void {
    try {
      this.cast('unget', [items]);
      getLogger().debug('handed %d prefetched items back to queue %d', items.length, this.ref.id);
    } catch (error) {
      getLogger().warning('could not hand %d items back to queue %d: %s', items.length, this.ref.id, error);
    }
  }

  readonly #onPush = (event: string, value: unknown): void => {
    if (event === SYNC_EVENT) {
      try {
        this.cast(SYNCED_OP, [value]);
      } catch {
        // The link is down: the owner sees this peer gone instead.
      }
    } else if (event === 'closed') {
      this.#ownerClosed = true;
    } else if (event === 'error') {
      const info = value as RemoteErrorInfo;
      if (info?.code === 'ERR_QUEUE_CLOSED') this.#ownerClosed = true;
      getLogger().warning('a put to queue %d failed at its owner: %s', this.ref.id, info?.message);
    }
  };

  #onDead(error: Error): void {
    this.#dead = error;
    this.#buffer.detach();
    this.#failWaiters(error);
  }
}

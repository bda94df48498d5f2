import {
  type HostedObject,
  materialize,
  type Peer,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  type RequestContext,
  type WaitOptions,
  waitWithDeadline,
  whileHeld,
} from '@multiproc/wire';
import { BATCH_BYTES, estimateSize } from './batch-size.js';
import { Fifo } from './fifo.js';
import { ProducerSync } from './producer-sync.js';
import { serve } from './remote-ops.js';
import type { GetWaiter, PutWaiter } from './waiters.js';

/**
 * The owner's side of a queue: the items, the waiting gets and puts, and the
 * remote operations its host serves. Every count here is authoritative, so
 * `qsize()` is exact when it is answered. Subclasses (JoinableQueue's state)
 * count with `onAccept()` and add operations by overriding `handle()`.
 */
export class QueueState<T> implements HostedObject {
  readonly maxsize: number;
  /** The id at this process's host, once the queue has been shared. */
  id: number | undefined;
  /** @internal The processes that have put here (JoinableQueue's join syncs with them). */
  readonly producers = new ProducerSync();
  readonly #items = new Fifo<T>();
  readonly #getters = new Fifo<GetWaiter<T>>();
  readonly #putters = new Fifo<PutWaiter<T>>();
  #served: GetWaiter<T>[] = [];
  #closed = false;
  readonly #peers = new Set<Peer>();
  #lastPeer: Peer | null = null;

  constructor(maxsize: number) {
    this.maxsize = maxsize;
  }

  get closed(): boolean {
    return this.#closed;
  }
  qsize(): number {
    return this.#items.length;
  }
  full(): boolean {
    return this.maxsize > 0 && this.#items.length >= this.maxsize;
  }

  /** Called once for every item put (not for items a proxy hands back). */
  protected onAccept(): void {}

  /** Put, waiting while full. The item must already be checked as encodable. */
  put(item: T, options?: WaitOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new QueueClosedError());
    if (!this.full()) {
      this.#accept(item);
      return Promise.resolve();
    }
    const wait = (resolve: () => void, reject: (e: unknown) => void) => {
      const w = this.waitForRoom(item, resolve, reject);
      return () => void this.cancelPut(w);
    };
    return whileHeld(() => waitWithDeadline<void>(options, wait, () => new QueueFullError()));
  }

  putNowait(item: T): void {
    if (this.#closed) throw new QueueClosedError();
    if (this.full()) throw new QueueFullError();
    this.#accept(item);
  }

  get(options?: WaitOptions): Promise<T> {
    if (this.#items.length > 0) {
      try {
        return Promise.resolve(this.#takeOne());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#closed) return Promise.reject(new QueueClosedError());
    const wait = (resolve: (v: T) => void, reject: (e: unknown) => void) => {
      const w = this.waitForItems(
        1,
        null,
        (items) => {
          try {
            resolve(materialize(items[0]!));
          } catch (error) {
            reject(error);
          }
        },
        reject,
      );
      return () => this.withdraw(w);
    };
    return whileHeld(() => waitWithDeadline<T>(options, wait, () => new QueueEmptyError()));
  }

  getNowait(): T {
    if (this.#items.length > 0) return this.#takeOne();
    throw this.#closed ? new QueueClosedError() : new QueueEmptyError();
  }

  /** Up to `max` items available now (a batch stays under BATCH_BYTES). */
  take(max: number): T[] {
    const items = this.#items;
    let count = Math.min(max, items.length);
    if (count > 1) {
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        bytes += estimateSize(items.at(i));
        if (i > 0 && bytes > BATCH_BYTES) {
          count = i;
          break;
        }
      }
    }
    const out = count > 0 ? items.shiftMany(count) : [];
    if (this.maxsize > 0) this.#admitPutters();
    return out;
  }

  /** The next item for code in this process: a large Buffer a remote put left as a file is read here. */
  #takeOne(): T {
    const item = this.#items.shift() as T;
    if (this.maxsize > 0) this.#admitPutters();
    return materialize(item);
  }

  /** No more puts, for everyone; gets drain what is left, then reject with QueueClosedError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#putters.drain()) p.reject(new QueueClosedError());
    if (this.#items.length === 0) for (const w of this.#getters.drain()) w.reject(new QueueClosedError());
    // After this poll phase, as ProducerSync does: a push to a peer that just exited must not cost its last puts.
    const id = this.id;
    if (id === undefined) return;
    setImmediate(() => {
      for (const peer of this.#peers) peer.push(id, 'closed');
    });
  }

  /** Serves a remote operation (remote-ops.ts); subclasses add their own first. */
  handle(op: string, args: unknown[], ctx: RequestContext): unknown {
    if (ctx.peer !== this.#lastPeer) {
      this.#lastPeer = ctx.peer;
      this.#peers.add(ctx.peer);
    }
    // The hot path, once per item: a remote put to an unbounded queue (a cast, which never waits).
    // `'signal' in ctx`: a request (its signal is made when read, so it is not read here).
    if (op === 'put' && !('signal' in ctx) && !this.#closed) {
      this.producers.add(ctx.peer);
      this.#accept(args[0] as T);
      return true;
    }
    return serve(this, op, args, ctx);
  }

  /** Remote puts keep large Buffers as files: a remote get passes on just their names. */
  keepsSpilled(op: string): boolean {
    return op === 'put' || op === 'putNowait';
  }

  /** wire's batch of one peer's casts: remote puts to an open queue, accepted in one pass. */
  castsHandler(op: string): ((values: unknown[], ctx: RequestContext) => unknown) | undefined {
    return op === 'put' && !this.#closed ? this.#putAll : undefined;
  }

  readonly #putAll = (values: unknown[], ctx: RequestContext): void => {
    if (ctx.peer !== this.#lastPeer) {
      this.#lastPeer = ctx.peer;
      this.#peers.add(ctx.peer);
    }
    this.producers.add(ctx.peer);
    for (let i = 0; i < values.length; i++) this.#accept(values[i] as T);
  };

  peerGone(peer: Peer): void {
    this.#peers.delete(peer);
    if (this.#lastPeer === peer) this.#lastPeer = null;
    this.producers.peerGone(peer);
    // Items handed to its waiting get this tick were not sent yet: they go back.
    for (const w of [...this.#served]) if (w.peer === peer) this.withdraw(w);
  }

  #accept(item: T): void {
    this.#deliver(item);
    this.onAccept();
  }

  /** To the longest-waiting get, else to the end of the queue. */
  #deliver(item: T): void {
    if (this.#getters.length === 0) {
      this.#items.push(item);
      return;
    }
    const w = this.#getters.shift()!;
    w.items = [item];
    this.#served.push(w);
    if (this.#served.length === 1) queueMicrotask(this.#flush);
  }

  /** Replies to the gets served this tick, each topped up to its credit from what else arrived. */
  readonly #flush = (): void => {
    const served = this.#served;
    this.#served = [];
    for (const w of served) {
      if (w.cancelled || w.items === null) continue;
      if (w.credit > 1 && this.#items.length > 0) w.items.push(...this.take(w.credit - 1));
      w.resolve(w.items);
    }
    if (this.maxsize > 0) this.#admitPutters();
  };

  #admitPutters(): void {
    while (this.#putters.length > 0 && !this.full()) {
      const p = this.#putters.shift()!;
      this.#accept(p.item);
      p.resolve();
    }
  }

  /** @internal A get that waits for items (the queue is empty). */
  waitForItems(
    credit: number,
    peer: Peer | null,
    resolve: (items: T[]) => void,
    reject: (e: unknown) => void,
  ) {
    const w: GetWaiter<T> = { credit, peer, items: null, cancelled: false, resolve, reject };
    this.#getters.push(w);
    return w;
  }

  /** @internal Withdraws a get still waiting; false once an item was handed to it. */
  cancelGet(w: GetWaiter<T>): boolean {
    w.cancelled = this.#getters.remove((x) => x === w);
    return w.cancelled;
  }

  /** @internal A waiting get gives up; an item already handed to it goes to the next in line. */
  withdraw(w: GetWaiter<T>): void {
    if (this.cancelGet(w)) return;
    w.cancelled = true;
    const items = w.items;
    w.items = null;
    if (items) this.giveBack(items);
  }

  /** @internal A put that waits for room (the queue is full). */
  waitForRoom(item: T, resolve: () => void, reject: (e: unknown) => void): PutWaiter<T> {
    const w: PutWaiter<T> = { item, resolve, reject };
    this.#putters.push(w);
    return w;
  }

  /** @internal Withdraws a waiting put; false once it went in. */
  cancelPut(w: PutWaiter<T>): boolean {
    return this.#putters.remove((x) => x === w);
  }

  /** Items a consumer did not use, back at the front in their order. */
  giveBack(items: T[]): void {
    if (this.#getters.length === 0) this.#items.unshiftAll(items);
    else for (const item of items) this.#deliver(item);
  }

  /** @internal Puts an item (a remote put), counting it. */
  accept(item: T): void {
    this.#accept(item);
  }
}

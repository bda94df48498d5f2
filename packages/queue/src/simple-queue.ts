import {
  type HandleRef,
  registerHandleKind,
  SharedObject,
  toHandle,
  type WaitOptions,
} from '@multiproc/wire';
import { QUEUE_KIND, Queue } from './queue.js';

export const SIMPLE_QUEUE_KIND = 'multiproc.simple-queue';

/** The SimpleQueue around each Queue, so a handle revives as the same object within a process. */
const wrappers = new WeakMap<Queue<any>, SimpleQueue<any>>();
/** Set while `fromHandle` wraps a revived queue. */
let adopting: Queue<any> | null = null;

/**
 * Python's `multiprocessing.SimpleQueue`: unbounded, with only `put`, `get`,
 * `empty` and `close`. The same machinery as Queue underneath, so it has the
 * same guarantees (and the same speed).
 */
export class SimpleQueue<T = unknown> extends SharedObject {
  readonly #queue: Queue<T>;

  constructor() {
    super();
    this.#queue = adopting ?? new Queue<T>();
    adopting = null;
    wrappers.set(this.#queue, this);
  }

  static fromHandle<T = unknown>(ref: HandleRef): SimpleQueue<T> {
    const queue = Queue.fromHandle({ ...ref, kind: QUEUE_KIND }) as Queue<T>;
    let simple = wrappers.get(queue) as SimpleQueue<T> | undefined;
    if (simple === undefined) {
      adopting = queue;
      simple = new SimpleQueue<T>();
    }
    return simple;
  }

  /** Put an item. Rejects at once with EncodeError for a value that cannot travel, QueueClosedError after close. */
  put(item: T): Promise<void> {
    return this.#queue.put(item);
  }

  /** Remove and return the next item, waiting for one. */
  get(options?: WaitOptions): Promise<T> {
    return this.#queue.get(options);
  }

  empty(): Promise<boolean> {
    return this.#queue.empty();
  }

  /** As Queue.close(): by the owner for everyone, elsewhere for puts through this handle. */
  close(): void {
    this.#queue.close();
  }

  [toHandle](): HandleRef {
    return { ...this.#queue[toHandle](), kind: SIMPLE_QUEUE_KIND, module: import.meta.url };
  }
}

registerHandleKind(SIMPLE_QUEUE_KIND, import.meta.url, (ref) => SimpleQueue.fromHandle(ref));

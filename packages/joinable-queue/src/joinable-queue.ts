import { Queue, type QueueState } from '@multiproc/queue';
import { registerHandleKind, type WaitOptions, waitWithDeadline } from '@multiproc/wire';
import { JoinableState, tooManyTaskDone } from './joinable-state.js';

export const JOINABLE_QUEUE_KIND = 'multiproc.joinable-queue';

/**
 * Python's `multiprocessing.JoinableQueue`: a Queue whose consumers mark each
 * item done with `taskDone()`, so a producer can `join()` until all are.
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** Items taken through this proxy and not yet marked done (the owner counts at the queue). */
  #taken = 0;
  readonly #count = (item: T): T => {
    this.#taken++;
    return item;
  };

  protected override createState(maxsize: number): QueueState<T> {
    return new JoinableState<T>(maxsize);
  }
  protected override get handleKind(): string {
    return JOINABLE_QUEUE_KIND;
  }
  protected override get handleModule(): string {
    return import.meta.url;
  }

  override get(options?: WaitOptions): Promise<T> {
    const item = super.get(options);
    return this.proxy ? item.then(this.#count) : item;
  }

  override getNowait(): Promise<T> {
    const item = super.getNowait();
    return this.proxy ? item.then(this.#count) : item;
  }

  /**
   * Mark one item taken with `get` as done. Synchronous. Throws a
   * MultiprocError (`ERR_TASK_DONE`, `task_done() called too many times`)
   * when called more times than items were taken through this handle (in
   * the owner: more times than items are unfinished).
   */
  taskDone(): void {
    const state = this.state as JoinableState<T> | null;
    if (state) {
      state.taskDone();
      return;
    }
    if (this.#taken <= 0) throw tooManyTaskDone();
    // One argument, so the taskDones of a tick travel as one flat CASTS1 list, which the
    // owner takes in one call (JoinableState.castsHandler), in order with everything else.
    this.proxy!.cast('taskDone', [1]);
    this.#taken--;
  }

  /**
   * Wait until every item ever put has been marked done. Resolves `true`
   * then, `false` when `timeout` ms pass first; at once if nothing is pending.
   */
  join(options?: WaitOptions): Promise<boolean> {
    const state = this.state as JoinableState<T> | null;
    if (state) return state.join(options);
    const proxy = this.proxy!;
    return waitWithDeadline<boolean>(
      options,
      (resolve, reject) => {
        const controller = new AbortController();
        proxy.request('join', [], controller.signal).then((done) => done === true && resolve(true), reject);
        return () => controller.abort();
      },
      () => false,
    );
  }
}

registerHandleKind(JOINABLE_QUEUE_KIND, import.meta.url, (ref) => JoinableQueue.fromHandle(ref));

import { getLogger } from '@multiproc/logging';
import { abortError, InvalidArgumentError, ProcessStateError } from '@multiproc/wire';
import { AsyncResult, withCallbacks } from './async-result.js';
import { checkChunksize, isIterable } from './chunking.js';
import { poolNotRunningError } from './errors.js';
import { imapIterator } from './imap.js';
import {
  type ApplyAsyncOptions,
  type Callbacks,
  checkArgs,
  checkBuffersize,
  checkTaskTimeout,
  defaultBuffersize,
  type ImapOptions,
  type MapAsyncOptions,
  type MapOptions,
  type PoolOptions,
  type ResolvedPoolOptions,
  resolvePoolOptions,
  type TaskOptions,
} from './options.js';
import type { WorkerSetup } from './protocol.js';
import { type PoolState, Scheduler } from './scheduler.js';
import type { PoolStats } from './stats.js';
import { submitCall, submitMap } from './submit.js';
import { checkTarget, resolveRef, type TaskTarget } from './target-ref.js';

const { EventEmitter } = process.getBuiltinModule('node:events');

const log = getLogger();

type Fn = (...args: any[]) => unknown;
type Result<F> = F extends Fn ? Awaited<ReturnType<F>> : unknown;
type Args<F> = F extends Fn ? Parameters<F> : unknown[];
type Item<F> = F extends (item: infer I) => unknown ? I : unknown;
type Input<T> = Iterable<T> | AsyncIterable<T>;

/**
 * A pool of worker processes, as Python's `multiprocessing.Pool`, that
 * never hangs when a worker dies: the task it was running fails with
 * `WorkerExitedError`, a new worker takes its place, and everything else
 * completes. Emits 'error' when a callback throws.
 */
export class Pool extends EventEmitter {
  readonly #options: ResolvedPoolOptions;
  readonly #scheduler: Scheduler;

  constructor(options: PoolOptions = {}) {
    super();
    this.#options = resolvePoolOptions(options);
    const initargs = [...(options.initargs ?? [])];
    const setup: Promise<WorkerSetup> =
      options.initializer === undefined
        ? Promise.resolve({ initializer: null, initargs })
        : resolveRef(options.initializer).then((initializer) => ({ initializer, initargs }));
    const { processes, maxQueue, prefetch, maxTasksPerChild } = this.#options;
    this.#scheduler = new Scheduler(
      processes,
      maxQueue,
      prefetch,
      {
        maxTasksPerChild,
        env: options.env,
        execArgv: options.execArgv,
        startMethod: options.startMethod,
      },
      setup,
    );
  }

  /** Number of workers the pool keeps. */
  get processes(): number {
    return this.#options.processes;
  }

  /** 'RUN', then 'CLOSE' after close(), or 'TERMINATE' after terminate(). */
  get state(): PoolState {
    return this.#scheduler.state;
  }

  /** Resolves once every worker is up and initialized; rejects if the pool breaks or is terminated first. */
  whenReady(): Promise<void> {
    return this.#scheduler.ready;
  }

  /**
   * Run `fn(...args)` in a worker and return its result (Python's `apply`). The task's own
   * promise, with no AsyncResult, callbacks or async wrapper around it: a sequential caller
   * pays for one promise per call.
   */
  apply<F extends TaskTarget>(fn: F, args?: Args<F>, options: TaskOptions = {}): Promise<Result<F>> {
    try {
      return this.#submit(fn, args, options) as Promise<Result<F>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Submit `fn(...args)`; returns at once with an AsyncResult (Python's `apply_async`). */
  applyAsync<F extends TaskTarget>(
    fn: F,
    args?: Args<F>,
    options: ApplyAsyncOptions<Result<F>> = {},
  ): AsyncResult<Result<F>> {
    return this.#result(this.#submit(fn, args, options) as Promise<Result<F>>, options);
  }

  #submit(fn: TaskTarget, args: unknown, options: TaskOptions): Promise<unknown> {
    this.#checkRunning();
    checkTarget(fn);
    const list = checkArgs(args);
    const timeout = checkTaskTimeout(options.timeout);
    return submitCall(this.#scheduler, fn, list, timeout, options.signal);
  }

  /** `fn(item)` for every item, in order; rejects with the first error and cancels the rest. */
  map<F extends TaskTarget>(fn: F, items: Input<Item<F>>, options: MapOptions = {}): Promise<Result<F>[]> {
    return this.#startMap(fn, items, options, false) as Promise<Result<F>[]>;
  }

  mapAsync<F extends TaskTarget>(
    fn: F,
    items: Input<Item<F>>,
    options: MapAsyncOptions<Result<F>> = {},
  ): AsyncResult<Result<F>[]> {
    return this.#result(this.#startMap(fn, items, options, false) as Promise<Result<F>[]>, options);
  }

  /** `fn(...args)` for every args array, in order (Python's `starmap`). */
  starmap<F extends TaskTarget>(
    fn: F,
    items: Input<Args<F>>,
    options: MapOptions = {},
  ): Promise<Result<F>[]> {
    return this.#startMap(fn, items, options, true) as Promise<Result<F>[]>;
  }

  starmapAsync<F extends TaskTarget>(
    fn: F,
    items: Input<Args<F>>,
    options: MapAsyncOptions<Result<F>> = {},
  ): AsyncResult<Result<F>[]> {
    return this.#result(this.#startMap(fn, items, options, true) as Promise<Result<F>[]>, options);
  }

  /** Results in input order as they become available; the input is read lazily. */
  imap<F extends TaskTarget>(
    fn: F,
    items: Input<Item<F>>,
    options: ImapOptions = {},
  ): AsyncGenerator<Result<F>> {
    return this.#imap(fn, items, options, true) as AsyncGenerator<Result<F>>;
  }

  /** Results in completion order, each once; the input is read lazily. */
  imapUnordered<F extends TaskTarget>(
    fn: F,
    items: Input<Item<F>>,
    options: ImapOptions = {},
  ): AsyncGenerator<Result<F>> {
    return this.#imap(fn, items, options, false) as AsyncGenerator<Result<F>>;
  }

  /** Resolves when a task submitted now enters the queue at once (maxQueue backpressure for applyAsync). */
  waitForRoom(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(abortError(signal));
      };
      const cancel = this.#scheduler.onRoom(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** No more tasks; workers exit once the submitted ones are done. Idempotent. */
  close(): void {
    this.#scheduler.close();
  }

  /** Wait for the workers to exit. Call close() or terminate() first. */
  async join(): Promise<void> {
    if (this.#scheduler.state === 'RUN') throw new ProcessStateError('Pool is still running');
    log.debug('joining pool');
    await this.#scheduler.idle();
    await this.#scheduler.joinWorkers();
  }

  /** Stop now: pending tasks reject with `ERR_POOL_TERMINATED`, workers are ended and reaped. */
  terminate(): Promise<void> {
    return this.#scheduler.terminate();
  }

  /** `await using pool = new Pool()`: close() and join(), so submitted work completes (Python terminates). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }

  stats(): PoolStats {
    return this.#scheduler.stats();
  }

  /** Pids of the current workers. */
  pids(): number[] {
    return this.#scheduler.pids();
  }

  override toString(): string {
    return `<Pool state=${this.state} pool_size=${this.processes}>`;
  }

  #checkRunning(): void {
    if (this.#scheduler.state !== 'RUN') throw poolNotRunningError();
  }

  #startMap(fn: TaskTarget, items: unknown, options: MapOptions, star: boolean): Promise<unknown[]> {
    try {
      this.#checkRunning();
      checkTarget(fn);
      if (!isIterable(items)) throw new InvalidArgumentError('items must be an iterable or async iterable');
      const chunksize = checkChunksize(options.chunksize);
      return submitMap(this.#scheduler, fn, items, chunksize, star, options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #imap(fn: TaskTarget, items: unknown, options: ImapOptions, ordered: boolean): AsyncGenerator<unknown> {
    this.#checkRunning();
    checkTarget(fn);
    if (!isIterable(items)) throw new InvalidArgumentError('items must be an iterable or async iterable');
    const chunksize = checkChunksize(options.chunksize) ?? 1;
    return imapIterator(this.#scheduler, fn, items, {
      chunksize,
      buffersize: checkBuffersize(
        options.buffersize,
        defaultBuffersize(this.processes, chunksize, this.#scheduler.window.max),
      ),
      signal: options.signal,
      ordered,
    });
  }

  #result<T>(promise: Promise<T>, callbacks: Callbacks<T>): AsyncResult<T> {
    return new AsyncResult(withCallbacks(promise, callbacks, this.#callbackFailed));
  }

  /** A callback that throws never breaks the pool: the error goes to 'error' listeners, or to a warning. */
  readonly #callbackFailed = (error: unknown): void => {
    if (this.listenerCount('error') > 0) {
      this.emit('error', error);
      return;
    }
    const text = error instanceof Error ? error.message : String(error);
    log.error('error in a pool callback: %s', error instanceof Error ? error.stack : text);
    process.emitWarning(
      `a Pool callback threw (listen for the pool's 'error' event): ${text}`,
      'MultiprocWarning',
    );
  };
}

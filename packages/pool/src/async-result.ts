import { MultiprocError, TimeoutError, type WaitOptions, waitWithDeadline } from '@multiproc/wire';
import type { Callbacks } from './options.js';

type Outcome<T> =
  | { state: 'pending' }
  | { state: 'fulfilled'; value: T }
  | { state: 'rejected'; error: unknown };

let nextId = 1;

/**
 * The result of `applyAsync`, `mapAsync` and `starmapAsync`, as Python's
 * `AsyncResult`. It never causes an unhandled rejection: a failure is only
 * seen by whoever calls `get()` (or an `errorCallback`).
 */
export class AsyncResult<T = unknown> {
  readonly #id = nextId++;
  #outcome: Outcome<T> = { state: 'pending' };
  readonly #promise: Promise<T>;

  /** @internal Built by the Pool. */
  constructor(promise: Promise<T>) {
    this.#promise = promise;
    // Registered first, so the state is set before any get() continuation runs; handles the rejection.
    promise.then(
      (value) => {
        this.#outcome = { state: 'fulfilled', value };
      },
      (error) => {
        this.#outcome = { state: 'rejected', error };
      },
    );
  }

  /**
   * The value, or the task's error (`RemoteError`, `WorkerExitedError`, ...). With `timeout`, rejects
   * with `TimeoutError` (`ERR_TIMEOUT`) if the result is not ready by then; the task keeps running.
   */
  get(options: WaitOptions = {}): Promise<T> {
    if (this.#outcome.state === 'fulfilled') return Promise.resolve(this.#outcome.value);
    if (this.#outcome.state === 'rejected') return Promise.reject(this.#outcome.error);
    if (options.timeout === undefined && options.signal === undefined) return this.#promise;
    return waitWithDeadline<T>(
      options,
      (resolve, reject) => {
        this.#promise.then(resolve, reject);
        return () => {};
      },
      () => new TimeoutError(`result not ready after ${options.timeout} ms`),
    );
  }

  /** Wait until the result is ready, or `timeout` ms. Resolves `ready()`: true when done (also on failure). */
  async wait(options: WaitOptions = {}): Promise<boolean> {
    if (this.#outcome.state !== 'pending') return true;
    return waitWithDeadline<boolean>(
      options,
      (resolve) => {
        this.#promise.then(
          () => resolve(true),
          () => resolve(true),
        );
        return () => {};
      },
      () => false,
    );
  }

  /** Has the task finished (succeeded or failed)? */
  ready(): boolean {
    return this.#outcome.state !== 'pending';
  }

  /** Did it succeed? Throws `MultiprocError` (`ERR_NOT_READY`) while not ready, as Python's ValueError. */
  successful(): boolean {
    if (this.#outcome.state === 'pending') {
      throw new MultiprocError(`${this} not ready`, 'ERR_NOT_READY');
    }
    return this.#outcome.state === 'fulfilled';
  }

  toString(): string {
    return `<AsyncResult #${this.#id} ${this.#outcome.state}>`;
  }
}

/**
 * `promise`, with the callback (or errorCallback) run first, as Python runs
 * them before the result is ready. A callback that throws is reported to
 * `onCallbackError` on the next tick and changes nothing else.
 */
export function withCallbacks<T>(
  promise: Promise<T>,
  callbacks: Callbacks<T>,
  onCallbackError: (error: unknown) => void,
): Promise<T> {
  const { callback, errorCallback } = callbacks;
  if (callback === undefined && errorCallback === undefined) return promise;
  const run = <V>(fn: ((v: V) => void) | undefined, v: V) => {
    try {
      fn?.(v);
    } catch (error) {
      process.nextTick(onCallbackError, error);
    }
  };
  return promise.then(
    (value) => {
      run(callback, value);
      return value;
    },
    (error) => {
      run(errorCallback, error);
      throw error;
    },
  );
}

import { InvalidArgumentError, TimeoutError } from './errors.js';

export interface WaitOptions {
  /** Milliseconds to wait; omitted or `Infinity` waits for ever. @default Infinity */
  timeout?: number;
  /** Aborting rejects the wait with Node's `AbortError` (`code: 'ABORT_ERR'`). */
  signal?: AbortSignal;
}

export function checkTimeout(timeout: number | undefined, name = 'timeout'): number {
  if (timeout === undefined || timeout === null) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError(
      `${name} must be a non-negative number of milliseconds, got ${String(timeout)}`,
    );
  }
  return timeout;
}

export function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  const error = new Error('The operation was aborted', reason !== undefined ? { cause: reason } : undefined);
  error.name = 'AbortError';
  (error as Error & { code: string }).code = 'ABORT_ERR';
  return error;
}

/**
 * Runs `start` with a `settle` callback and rejects on timeout or abort,
 * calling `cancel` so the waiter can withdraw. Used by every blocking wait so
 * a timeout always bounds the whole operation.
 */
export function waitWithDeadline<T>(
  options: WaitOptions | undefined,
  start: (resolve: (v: T) => void, reject: (e: unknown) => void) => () => void,
  onTimeout: () => T | Error = () => new TimeoutError(),
): Promise<T> {
  const timeout = checkTimeout(options?.timeout);
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const cancel = start(
      (v) => {
        if (done) return;
        finish();
        resolve(v);
      },
      (e) => {
        if (done) return;
        finish();
        reject(e);
      },
    );
    const onAbort = () => {
      if (done) return;
      finish();
      cancel();
      reject(abortError(signal));
    };
    if (done) return;
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== Number.POSITIVE_INFINITY) {
      timer = setTimeout(() => {
        if (done) return;
        finish();
        cancel();
        const outcome = onTimeout();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      }, timeout);
    }
  });
}

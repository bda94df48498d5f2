import { abortError, checkTimeout, InvalidArgumentError, type WaitOptions } from '@multiproc/wire';

export interface QueueOptions {
  /**
   * The most items the queue holds; `put` waits while it is full. `0` (or
   * any value ≤ 0, as in Python) means unbounded.
   * @default 0
   */
  maxsize?: number;
}

export function checkMaxsize(maxsize: number | undefined): number {
  if (maxsize === undefined) return 0;
  if (typeof maxsize !== 'number' || Number.isNaN(maxsize)) {
    throw new InvalidArgumentError(`maxsize must be a number, got ${String(maxsize)}`);
  }
  if (maxsize <= 0 || maxsize === Number.POSITIVE_INFINITY) return 0;
  if (!Number.isInteger(maxsize))
    throw new InvalidArgumentError(`maxsize must be an integer, got ${maxsize}`);
  return maxsize;
}

/** Validates wait options up front: the error to reject with, or null. */
export function waitOptionsError(options: WaitOptions | undefined): Error | null {
  if (options == null) return null;
  try {
    checkTimeout(options.timeout);
  } catch (error) {
    return error as Error;
  }
  return options.signal?.aborted ? abortError(options.signal) : null;
}

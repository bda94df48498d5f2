import { MultiprocError, ProcessStateError } from '@multiproc/wire';

/** What every task still pending gets when the pool is terminated. */
export function poolTerminatedError(): MultiprocError {
  return new MultiprocError('Pool was terminated before the task completed', 'ERR_POOL_TERMINATED');
}

/** A pool that cannot get working workers (an initializer that throws, workers that die at start). */
export function poolBrokenError(reason: string, cause?: unknown): MultiprocError {
  return new MultiprocError(`Pool is broken: ${reason}`, 'ERR_POOL_BROKEN', { cause });
}

/** Submitting to a pool after close() or terminate(), as Python's ValueError('Pool not running'). */
export function poolNotRunningError(): ProcessStateError {
  return new ProcessStateError('Pool not running');
}

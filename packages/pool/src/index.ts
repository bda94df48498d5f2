// Re-exported so users can `instanceof`-check what this package throws without another import.
export {
  InvalidArgumentError,
  MultiprocError,
  ProcessStateError,
  RemoteError,
  TaskReferenceError,
  TimeoutError,
  WorkerExitedError,
} from '@multiproc/wire';
export { AsyncResult } from './async-result.js';
export type {
  ApplyAsyncOptions,
  Callbacks,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  TaskOptions,
} from './options.js';
export { Pool } from './pool.js';
export type { PoolState } from './scheduler.js';
export type { Percentiles, PoolStats } from './stats.js';
export type { TaskTarget } from './target-ref.js';

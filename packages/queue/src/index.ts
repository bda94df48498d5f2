// Re-exported so users can `instanceof`-check what this package throws without another import.
export {
  ConnectionClosedError,
  EncodeError,
  holdProcess,
  InvalidArgumentError,
  MultiprocError,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  releaseProcess,
  type WaitOptions,
  whileHeld,
} from '@multiproc/wire';
export type { QueueOptions } from './options.js';
export { QUEUE_KIND, Queue } from './queue.js';
// For primitives built on Queue (JoinableQueue): the owner's state and the remote proxy.
export { QueueProxy } from './queue-proxy.js';
export { QueueState } from './queue-state.js';
export { SIMPLE_QUEUE_KIND, SimpleQueue } from './simple-queue.js';

// Re-exported so users can `instanceof`-check what this package throws without another import.
export {
  ConnectionClosedError,
  MultiprocError,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  type QueueOptions,
  type WaitOptions,
} from '@multiproc/queue';
export { JOINABLE_QUEUE_KIND, JoinableQueue } from './joinable-queue.js';
export { JoinableState } from './joinable-state.js';

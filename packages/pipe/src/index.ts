// Re-exported so users can `instanceof`-check what this package throws without another import.
export {
  ConnectionClosedError,
  InvalidArgumentError,
  MultiprocError,
  TimeoutError,
  type WaitOptions,
} from '@multiproc/wire';
export type { ConnectionLike } from './connection-like.js';
export type { PipeOptions } from './options.js';
export { Pipe } from './pipe.js';
export { PIPE_END_KIND, PipeConnection } from './pipe-connection.js';

import { getLogger } from '@multiproc/logging';
import { checkPipeOptions, type PipeOptions } from './options.js';
import { newEnd, type PipeConnection } from './pipe-connection.js';
import { Rendezvous } from './rendezvous.js';

/**
 * Python's `multiprocessing.Pipe()`: two connected ends.
 *
 * `Pipe()` returns two duplex ends; `Pipe({ duplex: false })` returns
 * `[readEnd, writeEnd]`. Either end can be passed to any process (once, before
 * it is used); the two holders then talk over a direct socket, never through
 * this process. This process must keep running until each end has been used once.
 */
export function Pipe<T = unknown>(options: PipeOptions = {}): [PipeConnection<T>, PipeConnection<T>] {
  const { duplex, maxFrameSize } = checkPipeOptions(options);
  const rendezvous = new Rendezvous();
  const common = { maxFrameSize, local: rendezvous, remote: null };
  const first = newEnd<T>({ ...common, side: 0, readable: true, writable: duplex });
  const second = newEnd<T>({ ...common, side: 1, readable: duplex, writable: true });
  getLogger().subdebug('created pipe (duplex=%s)', String(duplex));
  return [first, second];
}

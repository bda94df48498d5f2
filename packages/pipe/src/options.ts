import { DEFAULT_MAX_FRAME_SIZE, InvalidArgumentError } from '@multiproc/wire';

/** The largest frame wire's 30-bit length header can express. */
const MAX_FRAME_SIZE_LIMIT = 0x3fff_ffff;

export interface PipeOptions {
  /**
   * Both ends send and receive. With `false` the first end only receives and
   * the second only sends, as Python's `Pipe(duplex=False)` returns `(reader, writer)`.
   * @default true
   */
  duplex?: boolean;
  /**
   * Largest message, in bytes, either end sends or accepts. A larger `send`
   * throws at once; see the README for the one case where a peer's larger frame is caught on arrival instead.
   * @default 67108864 (64 MiB)
   */
  maxFrameSize?: number;
}

export function checkPipeOptions(options: PipeOptions): { duplex: boolean; maxFrameSize: number } {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('Pipe options must be an object, e.g. Pipe({ duplex: false })');
  }
  const duplex = options.duplex ?? true;
  if (typeof duplex !== 'boolean') throw new InvalidArgumentError('duplex must be a boolean');
  const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 1 || maxFrameSize > MAX_FRAME_SIZE_LIMIT) {
    throw new InvalidArgumentError(`maxFrameSize must be an integer from 1 to ${MAX_FRAME_SIZE_LIMIT}`);
  }
  return { duplex, maxFrameSize };
}

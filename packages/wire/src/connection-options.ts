import { InvalidArgumentError } from './errors.js';
import { DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT } from './frame.js';

export interface ConnectionOptions {
  /** Largest frame accepted or sent, in bytes. A larger incoming frame closes the connection with a ProtocolError. @default 67108864 (64 MiB) */
  maxFrameSize?: number;
  /** Whether this end may receive. @default true */
  readable?: boolean;
  /** Whether this end may send. @default true */
  writable?: boolean;
  /** Use msgpackr records (object shapes sent once per connection). @default true */
  records?: boolean;
  /** Bytes already read from the socket before the connection took it over (after a handshake). */
  head?: Buffer;
}

export function checkMaxFrameSize(size: number | undefined): number {
  if (size === undefined) return DEFAULT_MAX_FRAME_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_FRAME_SIZE_LIMIT) {
    throw new InvalidArgumentError(`maxFrameSize must be an integer from 1 to ${MAX_FRAME_SIZE_LIMIT}`);
  }
  return size;
}

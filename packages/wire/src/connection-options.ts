import { InvalidArgumentError } from './errors.js';
import { DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT } from './frame.js';

export type FlushAt = 'tick' | 'microtask';

export interface ConnectionOptions {
  /** Largest frame accepted or sent, in bytes. A larger incoming frame closes the connection with a ProtocolError. @default 67108864 (64 MiB) */
  maxFrameSize?: number;
  /** Whether this end may receive. @default true */
  readable?: boolean;
  /** Whether this end may send. @default true */
  writable?: boolean;
  /** Use msgpackr records (object shapes sent once per connection). @default true */
  records?: boolean;
  /**
   * When messages sent go out. `'tick'`: at the end of the tick (`process.nextTick`), so a chain
   * of awaits that sends on every step shares one write. `'microtask'`: as soon as the microtasks
   * running stop sending, before Node's tick queue runs; a request's reply leaves ~0.4 us sooner
   * per message and side, and a chain that awaits between sends may write more often. Pipe ends
   * use `'microtask'`. @default 'tick'
   */
  flushAt?: FlushAt;
  /** Bytes already read from the socket before the connection took it over (after a handshake). */
  head?: Buffer;
  /**
   * @internal The peer is in this process tree (a host link's handshake): large Buffers travel as
   * payload files ('send'), and a host keeps received ones as SpilledBytes ('keep'). Set before
   * `head` is read, since a link's first messages may arrive with its handshake.
   */
  spill?: 'send' | 'keep';
}

export function checkFlushAt(mode: unknown): FlushAt {
  if (mode === undefined) return 'tick';
  if (mode !== 'tick' && mode !== 'microtask') {
    throw new InvalidArgumentError(`flushAt must be 'tick' or 'microtask', got ${String(mode)}`);
  }
  return mode;
}

export function checkMaxFrameSize(size: number | undefined): number {
  if (size === undefined) return DEFAULT_MAX_FRAME_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_FRAME_SIZE_LIMIT) {
    throw new InvalidArgumentError(`maxFrameSize must be an integer from 1 to ${MAX_FRAME_SIZE_LIMIT}`);
  }
  return size;
}

/** `sendBytes(buf, offset, size)`'s arguments, as Python checks them; returns the size. */
export function checkBytesRange(
  buf: unknown,
  offset: number,
  size: number | undefined,
  maxFrameSize: number,
): number {
  if (!(buf instanceof Uint8Array)) throw new InvalidArgumentError('sendBytes needs a Buffer or Uint8Array');
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError('offset is negative');
  if (offset > buf.length) throw new InvalidArgumentError('buffer length < offset');
  const n = size ?? buf.length - offset;
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('size is negative');
  if (offset + n > buf.length) throw new InvalidArgumentError('buffer length < offset + size');
  if (n > maxFrameSize)
    throw new InvalidArgumentError(`message of ${n} bytes exceeds maxFrameSize ${maxFrameSize}`);
  return n;
}

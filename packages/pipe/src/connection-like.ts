import type { WaitOptions } from '@multiproc/wire';

/**
 * What a Pipe end and wire's `Connection` (from `Listener`/`Client`) have in
 * common: code written against this works with either.
 */
export interface ConnectionLike<T = unknown> extends AsyncIterable<T>, AsyncDisposable {
  /** `true` once `close()` was called on this end. */
  readonly closed: boolean;
  /** Whether this end may receive. */
  readonly readable: boolean;
  /** Whether this end may send. */
  readonly writable: boolean;
  /** Encode and send one message; a value that cannot travel throws here. */
  send(value: T): void;
  /** Send raw bytes as one message, as Python's `send_bytes(buf, offset, size)`. */
  sendBytes(buf: Uint8Array, offset?: number, size?: number): void;
  /** The next message. Rejects with `TimeoutError`, `AbortError`, or `ConnectionClosedError` at end of stream. */
  recv(options?: WaitOptions): Promise<T>;
  /** The next message, which must be bytes. */
  recvBytes(options?: WaitOptions): Promise<Buffer>;
  /** Whether a message (or end of stream) is ready, waiting up to `timeout` ms. @default 0 */
  poll(timeout?: number): Promise<boolean>;
  /** Close this end; what was sent is still delivered. Idempotent. */
  close(): void;
}

import {
  type Connection,
  type HandleRef,
  messageIterator,
  NO_MESSAGE,
  registerHandleKind,
  SharedObject,
  toHandle,
  type WaitOptions,
} from '@multiproc/wire';
import type { ConnectionLike } from './connection-like.js';
import { EndState } from './pipe-end-state.js';
import { endFromHandle, endHandle, PIPE_END_KIND } from './pipe-handle.js';
import type { Rendezvous, Side } from './rendezvous.js';

export { PIPE_END_KIND };

/** How an end is made: by `Pipe()` (the rendezvous is local) or by decoding a handle. */
export interface EndInit {
  side: Side;
  readable: boolean;
  writable: boolean;
  maxFrameSize: number;
  /** The rendezvous, when it lives in this process. */
  local: Rendezvous | null;
  /** Where the rendezvous lives otherwise. */
  remote: { address: string; id: number } | null;
}

let createEnd: <T>(init: EndInit) => PipeConnection<T>;

/**
 * One end of a `Pipe()`: a wire `Connection` that can also be passed to any
 * process, once, before it is used.
 *
 * An end meets its peer on first use (a send, receive or poll): the process
 * that created the pipe tells the first end used to wait and the second where
 * to connect, and from then on the two talk over a direct socket; the creator
 * is no longer involved. Messages sent before that are encoded at once (a bad
 * value throws in `send`) and delivered, in order, when the ends meet.
 *
 * Once the ends met, every call goes straight to the `Connection`; before
 * that, and for closing and passing on, the end's `EndState` (pipe-end-state.ts).
 */
export class PipeConnection<T = unknown> extends SharedObject implements ConnectionLike<T> {
  readonly #init: EndInit;
  readonly #readable: boolean;
  readonly #writable: boolean;
  /** Set once the ends met (by `#end`); never unset, so a closed end's calls reach it and throw. */
  #conn: Connection | null = null;
  readonly #end: EndState;
  #handle: HandleRef | null = null;

  static {
    createEnd = <T>(init: EndInit) => new PipeConnection<T>(init);
  }

  private constructor(init: EndInit) {
    super();
    this.#init = init;
    this.#readable = init.readable;
    this.#writable = init.writable;
    this.#end = new EndState(init, (conn) => {
      this.#conn = conn;
    });
  }

  /** `true` once this end was closed here or passed to another process. */
  get closed(): boolean {
    return this.#end.closed;
  }
  /** Whether this end may receive (`false` for the write end of `Pipe({ duplex: false })`). */
  get readable(): boolean {
    return this.#readable;
  }
  /** Whether this end may send (`false` for the read end of `Pipe({ duplex: false })`). */
  get writable(): boolean {
    return this.#writable;
  }

  /** Encode and send one message. A value that cannot travel throws here, never on the other side. */
  send(value: T): void {
    const conn = this.#conn;
    if (conn !== null && this.#writable) {
      conn.send(value);
      return;
    }
    this.#end.send(value);
  }

  /** Send raw bytes as one message, as Python's `send_bytes(buf, offset, size)`. */
  sendBytes(buf: Uint8Array, offset = 0, size?: number): void {
    const conn = this.#conn;
    if (conn !== null && this.#writable) {
      conn.sendBytes(buf, offset, size);
      return;
    }
    this.#end.sendBytes(buf, offset, size);
  }

  /** The next message. Rejects with `TimeoutError`, `AbortError`, or `ConnectionClosedError` at end of stream. */
  recv(options?: WaitOptions): Promise<T> {
    const conn = this.#conn;
    if (conn !== null && this.#readable) return conn.recv(options) as Promise<T>;
    return this.#end.recv(options, false) as Promise<T>;
  }

  /** The next message as bytes (sent with `sendBytes`, or a Buffer/typed array sent with `send`). */
  recvBytes(options?: WaitOptions): Promise<Buffer> {
    const conn = this.#conn;
    if (conn !== null && this.#readable) return conn.recvBytes(options);
    return this.#end.recv(options, true) as Promise<Buffer>;
  }

  /** Whether a message (or end of stream) is ready, waiting up to `timeout` ms. @default 0 */
  poll(timeout = 0): Promise<boolean> {
    const conn = this.#conn;
    if (conn !== null && this.#readable) {
      try {
        return conn.poll(timeout);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#end.poll(timeout);
  }

  /**
   * Resolves when this end's unsent data is below the high-water mark: a
   * fast sender awaits it now and then to bound memory. Before the ends have
   * met it waits for them to meet (what was sent waits in memory until then).
   */
  drain(): Promise<void> {
    const conn = this.#conn;
    if (conn !== null) return conn.drain();
    return this.#end.drain();
  }

  /** Close this end; what was sent is still delivered, and the peer then sees end of stream. Idempotent. */
  close(): void {
    this.#end.close();
  }

  /** Every message until end of stream (wire's `messageIterator`). Breaking out loses nothing. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return messageIterator<T>(
      () => {
        const conn = this.#conn;
        return conn !== null && this.#readable && !conn.closed ? conn.recvReady() : NO_MESSAGE;
      },
      () => this.recv(),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /**
   * Passing an end moves it: this copy closes and the receiver gets a fresh
   * end. Only an end that was never used can be passed. Encoding the same
   * message twice gives the same handle.
   */
  [toHandle](): HandleRef {
    if (this.#handle !== null) return this.#handle;
    this.#end.checkMovable();
    // import.meta.url: the receiver imports this module, which registers the kind.
    this.#handle = endHandle(this.#init, import.meta.url);
    this.#end.moved();
    return this.#handle;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const mode = this.#readable && this.#writable ? 'duplex' : this.#readable ? 'read-only' : 'write-only';
    return `<PipeConnection end ${this.#init.side} ${this.closed ? 'closed' : this.#end.state} ${mode}>`;
  }
}

/** Builds a new, unused end (used by `Pipe()`). */
export function newEnd<T>(init: EndInit): PipeConnection<T> {
  return createEnd<T>(init);
}

registerHandleKind(PIPE_END_KIND, import.meta.url, (ref) => createEnd(endFromHandle(ref)));

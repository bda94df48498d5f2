import { getLogger } from '@multiproc/logging';
import {
  type Connection,
  ConnectionClosedError,
  checkTimeout,
  EncodeError,
  type HandleRef,
  holdProcess,
  MultiprocError,
  messageIterator,
  NO_MESSAGE,
  registerHandleKind,
  releaseProcess,
  SharedObject,
  TimeoutError,
  toHandle,
  type WaitOptions,
  waitWithDeadline,
} from '@multiproc/wire';
import type { ConnectionLike } from './connection-like.js';
import { Attachment, tellRendezvousClosed } from './pipe-attach.js';
import { endFromHandle, endHandle, PIPE_END_KIND } from './pipe-handle.js';
import type { Rendezvous, Side } from './rendezvous.js';
import { type Queued, queuedBytes, queuedValue, SendQueue } from './send-queue.js';

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

/**
 * fresh: never used, can be passed on. attaching: asked to meet its peer;
 * sends are queued. open: talking over its own socket. failed: the peer was
 * gone before the ends met. closed: closed here. moved: passed to another process.
 */
type State = 'fresh' | 'attaching' | 'open' | 'failed' | 'closed' | 'moved';

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
 */
export class PipeConnection<T = unknown> extends SharedObject implements ConnectionLike<T> {
  readonly #init: EndInit;
  readonly #readable: boolean;
  readonly #writable: boolean;
  #state: State = 'fresh';
  #conn: Connection | null = null;
  /** Closed by the user while still attaching: deliver what was queued, then close. */
  #closing = false;
  #failure: Error | null = null;
  #outbox = new SendQueue();
  #attachWaiters = new Set<() => void>();
  #holding = false;
  #handle: HandleRef | null = null;

  static {
    createEnd = <T>(init: EndInit) => new PipeConnection<T>(init);
  }

  private constructor(init: EndInit) {
    super();
    this.#init = init;
    this.#readable = init.readable;
    this.#writable = init.writable;
  }

  /** `true` once this end was closed here or passed to another process. */
  get closed(): boolean {
    return this.#state === 'closed' || this.#state === 'moved' || this.#closing;
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
    this.#checkWritable();
    this.#enqueue(queuedValue(value, this.#init.maxFrameSize));
  }

  /** Send raw bytes as one message, as Python's `send_bytes(buf, offset, size)`. */
  sendBytes(buf: Uint8Array, offset = 0, size?: number): void {
    const conn = this.#conn;
    if (conn !== null && this.#writable) {
      conn.sendBytes(buf, offset, size);
      return;
    }
    this.#checkWritable();
    this.#enqueue(queuedBytes(buf, offset, size, this.#init.maxFrameSize));
  }

  /** The next message. Rejects with `TimeoutError`, `AbortError`, or `ConnectionClosedError` at end of stream. */
  recv(options?: WaitOptions): Promise<T> {
    const conn = this.#conn;
    if (conn !== null && this.#readable) return conn.recv(options) as Promise<T>;
    return this.#recvSlow(options, false) as Promise<T>;
  }

  /** The next message as bytes (sent with `sendBytes`, or a Buffer/typed array sent with `send`). */
  recvBytes(options?: WaitOptions): Promise<Buffer> {
    const conn = this.#conn;
    if (conn !== null && this.#readable) return conn.recvBytes(options);
    return this.#recvSlow(options, true) as Promise<Buffer>;
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
    return this.#pollSlow(timeout);
  }

  /**
   * Resolves when this end's unsent data is below the high-water mark: a
   * fast sender awaits it now and then to bound memory. Before the ends have
   * met it waits for them to meet (what was sent waits in memory until then).
   */
  drain(): Promise<void> {
    const conn = this.#conn;
    if (conn !== null) return conn.drain();
    if (this.#state !== 'attaching' || this.#closing || this.#outbox.length === 0) return Promise.resolve();
    return this.#untilAttached(undefined).then(() => this.#conn?.drain());
  }

  /** Close this end; what was sent is still delivered, and the peer then sees end of stream. Idempotent. */
  close(): void {
    switch (this.#state) {
      case 'fresh':
        this.#state = 'closed';
        tellRendezvousClosed(this.#init);
        break;
      case 'attaching':
        if (!this.#closing) {
          this.#closing = true;
          this.#wakeAttachWaiters();
          this.#updateHold();
        }
        break;
      case 'open':
        this.#state = 'closed';
        this.#conn!.close();
        break;
      case 'failed':
        this.#state = 'closed';
        break;
      default:
      // closed, or passed on: nothing to do
    }
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
    if (this.#state === 'closed' || this.#closing) {
      throw new EncodeError('cannot pass a closed pipe end to another process');
    }
    if (this.#state !== 'fresh') {
      throw new EncodeError(
        'cannot pass a pipe end that has already been used to another process: pass ends on before sending, receiving or polling on them',
      );
    }
    // import.meta.url: the receiver imports this module, which registers the kind.
    this.#handle = endHandle(this.#init, import.meta.url);
    this.#state = 'moved';
    return this.#handle;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const mode = this.#readable && this.#writable ? 'duplex' : this.#readable ? 'read-only' : 'write-only';
    return `<PipeConnection end ${this.#init.side} ${this.closed ? 'closed' : this.#state} ${mode}>`;
  }

  // ---- checks -------------------------------------------------------------

  #checkOpen(): void {
    if (this.#state === 'moved') {
      throw new ConnectionClosedError('this pipe end was passed to another process: it is closed here');
    }
    if (this.#state === 'closed' || this.#closing) throw new ConnectionClosedError('connection is closed');
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (!this.#writable) throw new MultiprocError('connection is read-only', 'ERR_CONNECTION_MODE');
    if (this.#failure !== null) throw this.#failure;
  }

  #checkReadable(): void {
    this.#checkOpen();
    if (!this.#readable) throw new MultiprocError('connection is write-only', 'ERR_CONNECTION_MODE');
  }

  // ---- before the ends meet -------------------------------------------------

  #enqueue(item: Queued): void {
    this.#attach();
    if (this.#failure !== null) throw this.#failure;
    this.#outbox.push(item);
    if (!this.#holding) this.#updateHold();
  }

  async #recvSlow(options: WaitOptions | undefined, bytes: boolean): Promise<unknown> {
    this.#checkReadable();
    const startedAt = performance.now();
    await this.#untilAttached(options);
    this.#checkReadable();
    if (this.#failure !== null) throw this.#failure;
    const rest = remaining(options, startedAt);
    return bytes ? this.#conn!.recvBytes(rest) : this.#conn!.recv(rest);
  }

  async #pollSlow(timeout: number): Promise<boolean> {
    this.#checkReadable();
    const ms = checkTimeout(timeout);
    const startedAt = performance.now();
    try {
      await this.#untilAttached({ timeout: ms });
    } catch (error) {
      if (error instanceof TimeoutError) return false;
      throw error;
    }
    this.#checkReadable();
    // End of stream counts as ready, as in Python: the next recv reports it.
    if (this.#failure !== null) return true;
    return this.#conn!.poll(Math.max(0, ms - (performance.now() - startedAt)));
  }

  /** Starts attaching if needed; resolves once the ends met, failed to, or this end was closed. */
  #untilAttached(options: WaitOptions | undefined): Promise<void> {
    this.#attach();
    if (this.#state !== 'attaching' || this.#closing) return Promise.resolve();
    return waitWithDeadline<void>(options, (resolve) => {
      const wake = () => resolve();
      this.#attachWaiters.add(wake);
      this.#updateHold();
      return () => {
        this.#attachWaiters.delete(wake);
        this.#updateHold();
      };
    });
  }

  #attach(): void {
    if (this.#state !== 'fresh') return;
    this.#state = 'attaching';
    new Attachment(this.#init, {
      attaching: () => this.#state === 'attaching',
      opened: (conn, how) => this.#opened(conn, how),
      failed: (error) => this.#failed(error),
    }).start();
  }

  #opened(conn: Connection, how: 'accepted' | 'connected'): void {
    this.#conn = conn;
    this.#state = 'open';
    this.#outbox.sendTo(conn);
    if (this.#closing) {
      this.#closing = false;
      this.#state = 'closed';
      conn.close();
    }
    this.#wakeAttachWaiters();
    this.#updateHold();
    getLogger().debug('pipe end %d attached: direct socket (%s)', this.#init.side, how);
  }

  #failed(error: Error): void {
    this.#outbox.clear();
    this.#failure = error;
    this.#state = this.#closing ? 'closed' : 'failed';
    this.#closing = false;
    this.#wakeAttachWaiters();
    this.#updateHold();
    getLogger().debug('pipe end %d could not attach: %s', this.#init.side, error.message);
  }

  #wakeAttachWaiters(): void {
    if (this.#attachWaiters.size === 0) return;
    const waiters = [...this.#attachWaiters];
    this.#attachWaiters.clear();
    for (const wake of waiters) wake();
  }

  /** While attaching, queued data or a pending receive keeps the process alive; an idle end never does. */
  #updateHold(): void {
    const want = this.#state === 'attaching' && (this.#outbox.length > 0 || this.#attachWaiters.size > 0);
    if (want === this.#holding) return;
    this.#holding = want;
    if (want) holdProcess();
    else releaseProcess();
  }
}

function remaining(options: WaitOptions | undefined, startedAt: number): WaitOptions | undefined {
  if (options?.timeout === undefined || options.timeout === null) return options;
  const left = Math.max(0, options.timeout - (performance.now() - startedAt));
  return { timeout: left, signal: options.signal };
}

/** Builds a new, unused end (used by `Pipe()`). */
export function newEnd<T>(init: EndInit): PipeConnection<T> {
  return createEnd<T>(init);
}

registerHandleKind(PIPE_END_KIND, import.meta.url, (ref) => createEnd(endFromHandle(ref)));

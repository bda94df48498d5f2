import type { Socket } from 'node:net';
import { abortError, checkTimeout, type WaitOptions, waitWithDeadline } from './abort.js';
import { Decoder, decodeValue, Encoder, encodeValue } from './codec.js';
import {
  ConnectionClosedError,
  EncodeError,
  InvalidArgumentError,
  MultiprocError,
  ProtocolError,
} from './errors.js';
import { DEFAULT_MAX_FRAME_SIZE, FrameKind, MAX_FRAME_SIZE_LIMIT } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { FrameWriter } from './frame-writer.js';
import { ensureModules } from './module-loader.js';
import { keepUnreadOnEpipe } from './sync-drain.js';

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

/** `error`: the message arrived but could not be decoded here; receiving it rejects with that error. */
type Message = { bytes: true; value: Buffer } | { bytes: false; value: unknown; error?: Error };

const pickValue = (m: Message): unknown => m.value;

/** What `Connection.recvReady()` returns when no message is ready. */
export const NO_MESSAGE: unique symbol = Symbol('multiproc.noMessage');
type Control = { type: 'reset' } | { type: 'modules'; urls: string[] };

/** What recvBytes' picker returns for a value message: `undefined` is a valid message, so it cannot mean "no". */
const NOT_BYTES: unique symbol = Symbol('not bytes');

/** Outgoing bytes above which `drain()` waits. */
const HIGH_WATER = 8 * 1024 * 1024;

/**
 * One end of a message channel over a stream socket (Unix or TCP): what
 * Python calls a Connection. Messages are never merged or split. Idle
 * connections do not keep the process alive; a pending `recv`/`poll` does.
 */
export class Connection {
  readonly #socket: Socket;
  readonly #writer: FrameWriter;
  readonly #decoder: FrameDecoder;
  readonly #maxFrameSize: number;
  readonly #readable: boolean;
  readonly #writable: boolean;
  #encoder: Encoder;
  #valueDecoder: Decoder;
  #inbox: Message[] = [];
  #inboxHead = 0;
  #waiters: Array<() => void> = [];
  #deferred: Array<[FrameKind, Buffer]> | null = null;
  #closed = false;
  #peerClosed: Error | null = null;
  #holds = 0;
  #closeListeners: Array<(error: Error | null) => void> = [];
  #onMessage: ((message: unknown) => void) | null = null;

  constructor(socket: Socket, options: ConnectionOptions = {}) {
    this.#maxFrameSize = checkMaxFrameSize(options.maxFrameSize);
    this.#readable = options.readable ?? true;
    this.#writable = options.writable ?? true;
    const records = options.records ?? true;
    this.#encoder = new Encoder(records);
    this.#valueDecoder = new Decoder(records);
    this.#socket = socket;
    this.#writer = new FrameWriter(socket);
    keepUnreadOnEpipe(socket, (chunk) => this.#onData(chunk));
    this.#decoder = new FrameDecoder(this.#maxFrameSize, this.#onFrame);
    socket.setNoDelay?.(true);
    socket.unref();
    socket.on('data', this.#onData);
    socket.on('end', () => this.#onPeerGone(null));
    socket.on('close', () => this.#onPeerGone(null));
    socket.on('error', (error) => this.#onPeerGone(error));
    if (options.head && options.head.length > 0) this.#onData(options.head);
    socket.resume();
  }

  /**
   * When set, decoded messages go straight to this handler instead of the
   * inbox (host links); messages already queued are handed over first.
   */
  set onMessage(handler: ((message: unknown) => void) | null) {
    this.#onMessage = handler;
    while (handler !== null && this.#onMessage === handler && this.#hasMessage()) {
      const message = this.#inbox[this.#inboxHead]!;
      this.#shift();
      handler(message.value);
    }
  }
  get onMessage(): ((message: unknown) => void) | null {
    return this.#onMessage;
  }

  get closed(): boolean {
    return this.#closed;
  }
  get readable(): boolean {
    return this.#readable;
  }
  get writable(): boolean {
    return this.#writable;
  }
  /** The underlying socket (for wire internals such as handing a connection to a host). */
  get socket(): Socket {
    return this.#socket;
  }

  /** Encode and send one message. Values that cannot travel throw here, never on the other side. */
  send(value: unknown): void {
    this.#checkWrite();
    let { bytes, modules } = this.#encodeOrReset(value);
    if (bytes.length > this.#maxFrameSize) {
      throw new InvalidArgumentError(
        `message of ${bytes.length} bytes exceeds maxFrameSize ${this.#maxFrameSize}`,
      );
    }
    if (modules !== null) {
      bytes = Buffer.from(bytes); // the control frame's encode reuses the same buffer
      this.#sendControl({ type: 'modules', urls: [...modules] });
    }
    this.#writer.write(FrameKind.Value, bytes);
  }

  /** Send raw bytes as one message, as Python's `send_bytes(buf, offset, size)`. */
  sendBytes(buf: Uint8Array, offset = 0, size?: number): void {
    this.#checkWrite();
    if (!(buf instanceof Uint8Array))
      throw new InvalidArgumentError('sendBytes needs a Buffer or Uint8Array');
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError('offset is negative');
    if (offset > buf.length) throw new InvalidArgumentError('buffer length < offset');
    const n = size ?? buf.length - offset;
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('size is negative');
    if (offset + n > buf.length) throw new InvalidArgumentError('buffer length < offset + size');
    if (n > this.#maxFrameSize) {
      throw new InvalidArgumentError(`message of ${n} bytes exceeds maxFrameSize ${this.#maxFrameSize}`);
    }
    this.#writer.write(FrameKind.Bytes, buf.subarray(offset, offset + n));
  }

  /** Receive the next message. Rejects with TimeoutError, AbortError or ConnectionClosedError. */
  recv(options?: WaitOptions): Promise<unknown> {
    // Fast path: a value is already queued and there is no deadline to check.
    if (options === undefined && this.#readable && !this.#closed && this.#inboxHead < this.#inbox.length) {
      const message = this.#inbox[this.#inboxHead]!;
      if (message.bytes || !message.error) {
        this.#shift();
        return Promise.resolve(message.value);
      }
    }
    return this.#take(options, pickValue);
  }

  /**
   * The next value if one is already received, else `NO_MESSAGE`; never waits.
   * A message that cannot be decoded is left for `recv()` to report. Lets a
   * loop (such as `for await`) take queued messages without a promise each.
   */
  recvReady(): unknown {
    this.#checkRead();
    if (this.#inboxHead < this.#inbox.length) {
      const message = this.#inbox[this.#inboxHead]!;
      if (message.bytes || !message.error) {
        this.#shift();
        return message.value;
      }
    }
    return NO_MESSAGE;
  }

  /** Receive the next message as bytes. A message sent with `send()` that is not bytes stays queued and this rejects. */
  recvBytes(options?: WaitOptions): Promise<Buffer> {
    return this.#take(options, (m) => {
      if (m.bytes) return m.value;
      if (m.value instanceof Uint8Array)
        return Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
      return NOT_BYTES;
    }) as Promise<Buffer>;
  }

  /** Is a message (or end of stream) ready? Waits up to `timeout` ms. @default 0 */
  poll(timeout = 0): Promise<boolean> {
    let ms: number;
    try {
      this.#checkRead();
      ms = checkTimeout(timeout);
    } catch (error) {
      // A Promise-returning call reports misuse by rejecting, like recv().
      return Promise.reject(error);
    }
    if (this.#hasMessage() || this.#peerClosed) return Promise.resolve(true);
    if (ms === 0) return Promise.resolve(false);
    return waitWithDeadline<boolean>(
      { timeout: ms },
      (resolve) => this.#addWaiter(() => resolve(true)),
      () => false,
    );
  }

  /** Resolves when outgoing data is below the high-water mark (backpressure for fast senders). */
  drain(): Promise<void> {
    if (this.#writer.pendingBytes < HIGH_WATER || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.#writer.pendingBytes < HIGH_WATER || this.#closed || this.#peerClosed) {
          this.#socket.off('drain', check);
          this.#socket.off('close', check);
          resolve();
        }
      };
      this.#socket.on('drain', check);
      this.#socket.on('close', check);
    });
  }

  /** Bytes queued for sending and not yet written to the kernel. */
  get pendingBytes(): number {
    return this.#writer.pendingBytes;
  }

  /** Keep the process alive while held (a request or a wait is outstanding). */
  hold(): void {
    if (this.#holds++ === 0) this.#socket.ref();
  }
  release(): void {
    if (this.#holds > 0 && --this.#holds === 0) this.#socket.unref();
  }

  /** Called once when the connection ends, with the error if it failed. */
  onClose(listener: (error: Error | null) => void): void {
    if (this.#closed || this.#peerClosed) queueMicrotask(() => listener(this.#peerClosed));
    else this.#closeListeners.push(listener);
  }

  /** Close this end; data already sent is still delivered. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    this.#socket.end();
    this.#failWaiters();
    this.#emitClose(null);
  }

  /** Close at once, dropping unsent data (a misbehaving peer). */
  destroy(error?: Error): void {
    this.#closed = true;
    this.#socket.destroy();
    this.#onPeerGone(error ?? null);
  }

  /**
   * The peer broke the protocol: drop the socket and let readers see why. Unlike destroy(), this
   * end is not marked closed by its owner, so recv() reports the ProtocolError rather than a plain
   * "connection is closed".
   */
  #fail(error: Error): void {
    this.#socket.destroy();
    this.#onPeerGone(error);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    while (true) {
      try {
        // Whatever is queued is yielded without a recv() promise each.
        if (this.#readable && !this.#closed && this.#hasMessage()) {
          const value = this.recvReady();
          if (value !== NO_MESSAGE) {
            yield value;
            continue;
          }
        }
        yield await this.recv();
      } catch (error) {
        if (error instanceof ConnectionClosedError) return;
        throw error;
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #encodeOrReset(value: unknown) {
    try {
      return this.#encoder.encode(value);
    } catch (error) {
      // The encoder dropped its record state; the peer must drop the same state.
      this.#sendControl({ type: 'reset' });
      throw error;
    }
  }

  #sendControl(control: Control): void {
    this.#writer.write(FrameKind.Control, encodeValue(control));
  }

  #checkWrite(): void {
    if (this.#closed) throw new ConnectionClosedError('connection is closed');
    if (!this.#writable) throw new MultiprocError('connection is read-only', 'ERR_CONNECTION_MODE');
    if (this.#peerClosed)
      throw new ConnectionClosedError('peer closed the connection', { cause: this.#peerClosed });
  }

  #checkRead(): void {
    if (this.#closed) throw new ConnectionClosedError('connection is closed');
    if (!this.#readable) throw new MultiprocError('connection is write-only', 'ERR_CONNECTION_MODE');
  }

  #take<T>(options: WaitOptions | undefined, pick: (m: Message) => T | typeof NOT_BYTES): Promise<T> {
    try {
      this.#checkRead();
      // Checked here, not only when a wait starts, so a bad timeout fails even if a message is queued.
      checkTimeout(options?.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    if (options?.signal?.aborted) return Promise.reject(abortError(options.signal));
    const tryTake = (): { ok: true; value: T } | { ok: false; error?: Error } => {
      if (this.#hasMessage()) {
        const message = this.#inbox[this.#inboxHead]!;
        if (!message.bytes && message.error) {
          // Consumed, as Python's recv() raises and drops a message it cannot unpickle.
          this.#shift();
          return { ok: false, error: message.error };
        }
        const value = pick(message);
        if (value === NOT_BYTES) {
          return {
            ok: false,
            error: new MultiprocError('next message is not bytes: use recv()', 'ERR_MESSAGE_TYPE'),
          };
        }
        this.#shift();
        return { ok: true, value: value as T };
      }
      if (this.#closed) return { ok: false, error: new ConnectionClosedError('connection is closed') };
      if (this.#peerClosed) return { ok: false, error: closedError(this.#peerClosed) };
      return { ok: false };
    };
    const first = tryTake();
    if (first.ok) return Promise.resolve(first.value);
    if (first.error) return Promise.reject(first.error);
    return waitWithDeadline<T>(options, (resolve, reject) => {
      let cancel = () => {};
      // Several waiters may wake for one message: whoever loses re-arms.
      const arm = () => {
        cancel = this.#addWaiter(() => {
          const r = tryTake();
          if (r.ok) resolve(r.value);
          else if (r.error) reject(r.error);
          else arm();
        });
      };
      arm();
      return () => cancel();
    });
  }

  #hasMessage(): boolean {
    return this.#inboxHead < this.#inbox.length;
  }

  #shift(): void {
    this.#inbox[this.#inboxHead++] = undefined as unknown as Message;
    if (this.#inboxHead > 1024 && this.#inboxHead * 2 > this.#inbox.length) {
      this.#inbox = this.#inbox.slice(this.#inboxHead);
      this.#inboxHead = 0;
    }
  }

  /** Registers a one-shot waiter woken by the next message or close; returns its canceller. */
  #addWaiter(fn: () => void): () => void {
    let active = true;
    this.hold();
    const wrapped = () => {
      if (!active) return;
      active = false;
      this.release();
      fn();
    };
    this.#waiters.push(wrapped);
    return () => {
      if (!active) return;
      active = false;
      this.release();
      const i = this.#waiters.indexOf(wrapped);
      if (i >= 0) this.#waiters.splice(i, 1);
    };
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #failWaiters(): void {
    this.#wake();
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
    }
  };

  readonly #onFrame = (kind: FrameKind, payload: Buffer): void => {
    if (this.#deferred !== null) {
      // Waiting for a handle module to load: keep order.
      this.#deferred.push([kind, Buffer.from(payload)]);
      return;
    }
    this.#handleFrame(kind, payload);
  };

  #handleFrame(kind: FrameKind, payload: Buffer): void {
    if (kind === FrameKind.Control) {
      let control: Control;
      try {
        control = decodeValue(payload) as Control;
      } catch {
        throw new ProtocolError('malformed control frame');
      }
      if (control?.type === 'reset') this.#valueDecoder.reset();
      else if (control?.type === 'modules' && Array.isArray(control.urls)) {
        const wait = ensureModules(control.urls.filter((u) => typeof u === 'string'));
        if (wait !== null) {
          this.#deferred = [];
          wait.then(() => this.#resume());
        }
      } else throw new ProtocolError('unknown control frame');
      return;
    }
    if (kind === FrameKind.Bytes) {
      this.#deliver({ bytes: true, value: payload });
      return;
    }
    let value: unknown;
    try {
      value = this.#valueDecoder.decode(payload);
    } catch (error) {
      if (error instanceof EncodeError && 'partial' in error) {
        // Read completely (the codec state is intact) but names a handle this process cannot rebuild.
        this.#deliverError(error);
        return;
      }
      throw new ProtocolError(`malformed message: ${(error as Error).message}`);
    }
    this.#deliver({ bytes: false, value });
  }

  #resume(): void {
    const frames = this.#deferred ?? [];
    this.#deferred = null;
    for (let i = 0; i < frames.length; i++) {
      if (this.#deferred !== null) {
        (this.#deferred as Array<[FrameKind, Buffer]>).push(...frames.slice(i));
        return;
      }
      const [kind, payload] = frames[i]!;
      try {
        this.#handleFrame(kind, payload);
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
    }
  }

  #deliverError(error: Error): void {
    if (this.#onMessage) {
      this.#onMessage(error);
      return;
    }
    this.#deliver({ bytes: false, value: undefined, error });
  }

  #deliver(message: Message): void {
    if (this.#onMessage && !message.bytes) {
      this.#onMessage(message.value);
      return;
    }
    this.#inbox.push(message);
    this.#wake();
  }

  #onPeerGone(error: Error | null): void {
    if (this.#peerClosed) return;
    let reason: Error | null = error;
    if (reason === null && this.#decoder.bufferedBytes > 0) {
      reason = new ConnectionClosedError('got end of file during message');
    }
    this.#peerClosed = reason ?? new ConnectionClosedError('peer closed the connection');
    this.#writer.close();
    if (!this.#socket.destroyed && error !== null) this.#socket.destroy();
    this.#wake();
    this.#emitClose(reason);
  }

  #emitClose(error: Error | null): void {
    const listeners = this.#closeListeners;
    this.#closeListeners = [];
    for (const l of listeners) l(error);
  }
}

function closedError(cause: Error): Error {
  if (cause instanceof ProtocolError) return cause;
  if (cause instanceof ConnectionClosedError) return cause;
  return new ConnectionClosedError('peer closed the connection', { cause });
}

export function checkMaxFrameSize(size: number | undefined): number {
  if (size === undefined) return DEFAULT_MAX_FRAME_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_FRAME_SIZE_LIMIT) {
    throw new InvalidArgumentError(`maxFrameSize must be an integer from 1 to ${MAX_FRAME_SIZE_LIMIT}`);
  }
  return size;
}

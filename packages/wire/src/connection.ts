import type { Socket } from 'node:net';
import type { WaitOptions } from './abort.js';
import { Decoder, Encoder } from './codec.js';
import { sendControl, writeMessage } from './connection-control.js';
import {
  type ConnectionOptions,
  checkBytesRange,
  checkFlushAt,
  checkMaxFrameSize,
  type FlushAt,
} from './connection-options.js';
import { Receiver } from './connection-receiver.js';
import { ConnectionClosedError, MultiprocError } from './errors.js';
import { BATCH_FRAME_LIMIT, FrameKind } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { FrameWriter, HIGH_WATER } from './frame-writer.js';
import { NO_MESSAGE } from './inbox.js';
import { IncomingFrames } from './incoming-frames.js';
import { type EncodedPart, encodePart, writeModules } from './pre-encoded.js';
import { SpillCredit } from './spill-credit.js';
import { filesOfLastEncode } from './spill-extension.js';
import { keepUnreadOnEpipe } from './sync-drain.js';

export { type ConnectionOptions, NO_MESSAGE };

/** What `drain()` returns when nothing waits: one shared promise, not one per call (a producer calls it per item). */
const RESOLVED = Promise.resolve();

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
  readonly #writable: boolean;
  #encoder: Encoder;
  readonly #receiver: Receiver;
  #closed = false;
  #peerClosed: Error | null = null;
  #holds = 0;
  #closeListeners: Array<(error: Error | null) => void> = [];
  readonly #valueDecoder: Decoder;
  readonly #credit = new SpillCredit();

  constructor(socket: Socket, options: ConnectionOptions = {}) {
    this.#maxFrameSize = checkMaxFrameSize(options.maxFrameSize);
    this.#writable = options.writable ?? true;
    const records = options.records ?? true;
    this.#encoder = new Encoder(records);
    this.#receiver = new Receiver(this, options.readable ?? true, () => this.#peerClosed);
    this.#socket = socket;
    this.#writer = new FrameWriter(socket);
    this.#writer.flushAt = checkFlushAt(options.flushAt);
    keepUnreadOnEpipe(socket, (chunk) => this.#onData(chunk));
    this.#valueDecoder = new Decoder(records);
    const incoming = new IncomingFrames(
      this.#valueDecoder,
      this.#receiver,
      (error) => this.#fail(error),
      (bytes) => {
        this.#credit.ack(bytes);
        this.#writer.recheck();
      },
    );
    this.#decoder = new FrameDecoder(this.#maxFrameSize, incoming.onFrame, {
      onRange: incoming.onFrameRange,
      maxBatchSize: BATCH_FRAME_LIMIT,
    });
    if (options.spill !== undefined) this.setSpill(true, options.spill === 'keep');
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
    this.#receiver.onMessage = handler;
  }
  get onMessage(): ((message: unknown) => void) | null {
    return this.#receiver.onMessage;
  }

  get closed(): boolean {
    return this.#closed;
  }
  get readable(): boolean {
    return this.#receiver.readable;
  }
  get writable(): boolean {
    return this.#writable;
  }
  /** When messages sent go out: `'tick'` or `'microtask'` (ConnectionOptions.flushAt). */
  get flushAt(): FlushAt {
    return this.#writer.flushAt;
  }
  set flushAt(mode: FlushAt) {
    this.#writer.flushAt = checkFlushAt(mode);
  }

  /** The underlying socket (for wire internals such as handing a connection to a host). */
  get socket(): Socket {
    return this.#socket;
  }

  /**
   * @internal With `send`, large Buffers sent from now on travel as payload files (the peer is
   * in this process tree); with `keep`, received ones arrive as SpilledBytes for a host to pass on.
   */
  setSpill(send: boolean, keep: boolean): void {
    this.#encoder.spill = send;
    this.#encoder.maxSize = send ? this.#maxFrameSize : Number.POSITIVE_INFINITY;
    this.#valueDecoder.acceptSpilled = send;
    this.#valueDecoder.keepSpilled = keep;
  }

  /** Encode and send one message. Values that cannot travel throw here, never on the other side. */
  send(value: unknown): void {
    this.#checkWrite();
    const files = writeMessage(this.#encoder, this.#writer, value, this.#maxFrameSize);
    if (files !== null) this.#credit.add(files);
  }

  /**
   * @internal Encodes `value` now, as a part of a message sent later with
   * `sendParts` before anything else is sent (see pre-encoded.ts).
   */
  encodePart(value: unknown, beforeReset: () => void): EncodedPart {
    this.#checkWrite();
    const part = encodePart(this.#encoder, this.#writer, value, this.#maxFrameSize, beforeReset);
    if (part.spilled > 0) this.#credit.add(filesOfLastEncode()!);
    return part;
  }

  /** @internal Sends one message made of pre-encoded parts, after the modules control frame if given. */
  sendParts(parts: Buffer[], modules: Set<string> | null = null): void {
    this.#checkWrite();
    if (modules !== null) writeModules(this.#writer, modules);
    this.#writer.writeParts(parts);
  }

  /** @internal Hands this tick's batched frames to the socket now (a long synchronous run of sends). */
  writeOut(): void {
    this.#writer.flush();
  }

  /** Send raw bytes as one message, as Python's `send_bytes(buf, offset, size)`. */
  sendBytes(buf: Uint8Array, offset = 0, size?: number): void {
    this.#checkWrite();
    const n = checkBytesRange(buf, offset, size, this.#maxFrameSize);
    this.#writer.write(FrameKind.Bytes, buf.subarray(offset, offset + n));
  }

  /** Receive the next message. Rejects with TimeoutError, AbortError or ConnectionClosedError. */
  recv(options?: WaitOptions): Promise<unknown> {
    return this.#receiver.recv(options);
  }

  /**
   * The next value if one is already received, else `NO_MESSAGE`; never waits.
   * A message that cannot be decoded is left for `recv()` to report. Lets a
   * loop (such as `for await`) take queued messages without a promise each.
   */
  recvReady(): unknown {
    return this.#receiver.recvReady();
  }

  /** Receive the next message as bytes. A message sent with `send()` that is not bytes stays queued and this rejects. */
  recvBytes(options?: WaitOptions): Promise<Buffer> {
    return this.#receiver.recvBytes(options);
  }

  /** Is a message (or end of stream) ready? Waits up to `timeout` ms. @default 0 */
  poll(timeout = 0): Promise<boolean> {
    return this.#receiver.poll(timeout);
  }

  /** Resolves when outgoing data is below the high-water mark (backpressure for fast senders). */
  drain(): Promise<void> {
    if (this.pendingBytes < HIGH_WATER || this.#closed) return RESOLVED;
    // Held: waiting for the peer's acknowledgements has no socket write to keep the process alive.
    this.hold();
    return this.#writer
      .belowHighWater(
        () => this.#closed || this.#peerClosed !== null,
        () => this.#credit.unacked,
      )
      .finally(() => this.release());
  }

  /** Bytes queued for sending and not yet written to the kernel, or sent as payload files the peer has not read. */
  get pendingBytes(): number {
    return this.#writer.pendingBytes + this.#credit.unacked;
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
    this.#receiver.wake();
    this.#emitClose(null);
  }

  /** Close at once, dropping unsent data (a misbehaving peer). */
  destroy(error?: Error): void {
    this.#closed = true;
    this.#credit.abandon();
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

  /** Every message until the connection closes (see message-iterator.ts). Breaking out loses nothing. */
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this.#receiver.messages();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #checkWrite(): void {
    if (this.#closed) throw new ConnectionClosedError('connection is closed');
    if (!this.#writable) throw new MultiprocError('connection is read-only', 'ERR_CONNECTION_MODE');
    if (this.#peerClosed)
      throw new ConnectionClosedError('peer closed the connection', { cause: this.#peerClosed });
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
    }
    if (this.#valueDecoder.spilledReceived > 0) this.#ackSpilled();
  };

  /** Tells the peer how many payload bytes this side has read (its SpillCredit). */
  #ackSpilled(): void {
    const bytes = this.#valueDecoder.spilledReceived;
    this.#valueDecoder.spilledReceived = 0;
    if (!this.#closed && this.#writable && this.#peerClosed === null) {
      sendControl(this.#writer, { type: 'spill-ack', bytes });
    }
  }

  #onPeerGone(error: Error | null): void {
    if (this.#peerClosed) return;
    let reason: Error | null = error;
    if (reason === null && this.#decoder.bufferedBytes > 0) {
      reason = new ConnectionClosedError('got end of file during message');
    }
    this.#peerClosed = reason ?? new ConnectionClosedError('peer closed the connection');
    // Payload files it never acknowledged: nobody will read them now.
    this.#credit.abandon();
    this.#writer.close();
    if (!this.#socket.destroyed && error !== null) this.#socket.destroy();
    this.#receiver.wake();
    this.#emitClose(reason);
  }

  #emitClose(error: Error | null): void {
    const listeners = this.#closeListeners;
    this.#closeListeners = [];
    for (const l of listeners) l(error);
  }
}

import { randomBytes } from 'node:crypto';
import { getLogger } from '@multiproc/logging';
import {
  Client,
  type Connection,
  ConnectionClosedError,
  checkTimeout,
  decodeValue,
  EncodeError,
  encodeValue,
  getAuthkey,
  type HandleRef,
  Host,
  HostLink,
  InvalidArgumentError,
  MultiprocError,
  NO_MESSAGE,
  ProtocolError,
  registerHandleKind,
  SharedObject,
  TimeoutError,
  toHandle,
  type WaitOptions,
  waitWithDeadline,
} from '@multiproc/wire';
import type { ConnectionLike } from './connection-like.js';
import { hold, release } from './keep-alive.js';
import { type AttachReply, NOTICE_EVENT, Rendezvous, type Side, type WaitNotice } from './rendezvous.js';

/** The handle kind a pipe end travels as. */
export const PIPE_END_KIND = 'multiproc.pipe-end';

/** wire's first message that hands a socket to a host's `expectAttach` waiter (`ATTACH` in wire's messages.ts). */
const ATTACH = 6;
/** An end told that its peer is on the way fails if no connection arrives within this many ms. */
const CONNECT_DEADLINE = 15_000;

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

/** A message sent before the ends met: `[isBytes, payload]`, values encoded at send time. */
type Queued = [boolean, Buffer];

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
  readonly #side: Side;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #maxFrameSize: number;
  readonly #local: Rendezvous | null;
  readonly #remote: { address: string; id: number } | null;
  #state: State = 'fresh';
  #conn: Connection | null = null;
  /** Closed by the user while still attaching: deliver what was queued, then close. */
  #closing = false;
  #failure: Error | null = null;
  #outbox: Queued[] = [];
  #attachWaiters = new Set<() => void>();
  #holding = false;
  #handle: HandleRef | null = null;
  #peerAnnounced = false;
  #cleanups: Array<() => void> = [];

  static {
    createEnd = <T>(init: EndInit) => new PipeConnection<T>(init);
  }

  private constructor(init: EndInit) {
    super();
    this.#side = init.side;
    this.#readable = init.readable;
    this.#writable = init.writable;
    this.#maxFrameSize = init.maxFrameSize;
    this.#local = init.local;
    this.#remote = init.remote;
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
    const bytes = encodeValue(value);
    if (bytes.length > this.#maxFrameSize) {
      throw new InvalidArgumentError(
        `message of ${bytes.length} bytes exceeds maxFrameSize ${this.#maxFrameSize}`,
      );
    }
    this.#enqueue([false, bytes]);
  }

  /** Send raw bytes as one message, as Python's `send_bytes(buf, offset, size)`. */
  sendBytes(buf: Uint8Array, offset = 0, size?: number): void {
    const conn = this.#conn;
    if (conn !== null && this.#writable) {
      conn.sendBytes(buf, offset, size);
      return;
    }
    this.#checkWritable();
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
    // Copied now: the caller may reuse its buffer as soon as this returns.
    this.#enqueue([true, Buffer.from(buf.subarray(offset, offset + n))]);
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
        this.#tellRendezvousClosed();
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

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (true) {
      // Messages already received are yielded without a recv() promise each.
      const conn = this.#conn;
      if (conn !== null && this.#readable && !conn.closed) {
        const ready = conn.recvReady();
        if (ready !== NO_MESSAGE) {
          yield ready as T;
          continue;
        }
      }
      let value: T;
      try {
        value = await this.recv();
      } catch (error) {
        if (error instanceof ConnectionClosedError) return;
        throw error;
      }
      yield value;
    }
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
    const where = this.#local !== null ? this.#local.locate() : this.#remote!;
    this.#handle = {
      kind: PIPE_END_KIND,
      address: where.address,
      id: where.id,
      data: [this.#side, this.#readable, this.#writable, this.#maxFrameSize],
      module: import.meta.url,
    };
    this.#state = 'moved';
    getLogger().subdebug('pipe end %d passed on (pipe %s#%d)', this.#side, where.address, where.id);
    return this.#handle;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const mode = this.#readable && this.#writable ? 'duplex' : this.#readable ? 'read-only' : 'write-only';
    return `<PipeConnection end ${this.#side} ${this.closed ? 'closed' : this.#state} ${mode}>`;
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

  /**
   * Asks the rendezvous to meet the other end. This end is first made
   * reachable on this process's host under a fresh token, so a peer told to
   * connect can never arrive before the token is known here.
   */
  #attach(): void {
    if (this.#state !== 'fresh') return;
    this.#state = 'attaching';
    const host = Host.current();
    const token = randomBytes(18).toString('base64url');
    this.#cleanups.push(host.expectAttach(token, (conn) => this.#opened(conn, 'accepted')));
    if (this.#local !== null) {
      let reply: AttachReply;
      try {
        reply = this.#local.attach(this.#side, host.address, token, (n) => this.#onNotice(n), null);
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
      this.#onReply(reply);
      return;
    }
    const { address, id } = this.#remote!;
    const link = HostLink.to(address);
    this.#cleanups.push(
      link.subscribe(id, (event, value) => {
        if (event === NOTICE_EVENT && Array.isArray(value) && value[0] === this.#side) {
          this.#onNotice(value[1] as WaitNotice);
        }
      }),
      link.onClose((error) => {
        if (this.#state !== 'attaching' || this.#peerAnnounced) return;
        this.#fail(
          new ConnectionClosedError(
            'the process that created this pipe exited before both ends were used: it introduces the ends, so it must run until each end has been used once',
            { cause: error },
          ),
        );
      }),
    );
    link.request(id, 'attach', [this.#side, host.address, token]).then(
      (reply) => this.#onReply(reply as AttachReply),
      (error) => this.#fail(attachError(error)),
    );
  }

  #onReply(reply: AttachReply): void {
    if (this.#state !== 'attaching') return;
    if ('connect' in reply) {
      this.#connect(reply.connect, reply.token);
    } else if ('gone' in reply) {
      this.#fail(peerClosed());
    }
    // { wait }: the peer connects to this end's host when it is used.
  }

  #onNotice(notice: WaitNotice): void {
    if (this.#state !== 'attaching') return;
    if (notice === 'gone') {
      this.#fail(peerClosed());
      return;
    }
    this.#peerAnnounced = true;
    const timer = setTimeout(() => {
      this.#fail(
        new ConnectionClosedError(
          `the other end of the pipe did not connect within ${CONNECT_DEADLINE} ms of being used`,
        ),
      );
    }, CONNECT_DEADLINE);
    timer.unref();
    this.#cleanups.push(() => clearTimeout(timer));
  }

  async #connect(address: string, token: string): Promise<void> {
    let conn: Connection;
    try {
      conn = await Client(address, { authkey: getAuthkey(), maxFrameSize: this.#maxFrameSize });
    } catch (error) {
      this.#fail(
        new ConnectionClosedError(`cannot reach the other end of the pipe: ${(error as Error).message}`, {
          cause: error,
        }),
      );
      return;
    }
    conn.send([ATTACH, token]);
    this.#opened(conn, 'connected');
  }

  #opened(conn: Connection, how: 'accepted' | 'connected'): void {
    if (this.#state !== 'attaching') {
      conn.close();
      return;
    }
    this.#runCleanups();
    this.#conn = conn;
    this.#state = 'open';
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const [isBytes, payload] of outbox) {
      try {
        if (isBytes) conn.sendBytes(payload);
        else conn.send(decodeValue(payload));
      } catch (error) {
        getLogger().warning(
          'pipe: a message sent before the ends met was dropped: %s',
          (error as Error).message,
        );
      }
    }
    if (this.#closing) {
      this.#closing = false;
      this.#state = 'closed';
      conn.close();
    }
    this.#wakeAttachWaiters();
    this.#updateHold();
    getLogger().debug('pipe end %d attached: direct socket (%s)', this.#side, how);
  }

  #fail(error: Error): void {
    if (this.#state !== 'attaching') return;
    this.#runCleanups();
    this.#outbox = [];
    this.#failure = error;
    this.#state = this.#closing ? 'closed' : 'failed';
    this.#closing = false;
    this.#wakeAttachWaiters();
    this.#updateHold();
    getLogger().debug('pipe end %d could not attach: %s', this.#side, error.message);
  }

  /** A fresh end closed without being used: the other end sees end of stream when it is used. */
  #tellRendezvousClosed(): void {
    if (this.#local !== null) {
      this.#local.close(this.#side);
      return;
    }
    const { address, id } = this.#remote!;
    HostLink.to(address)
      .request(id, 'close', [this.#side])
      .catch(() => {
        // The creator is gone: the other end finds out when it tries to attach.
      });
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
    if (want) hold();
    else release();
  }

  #runCleanups(): void {
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) cleanup();
  }
}

function remaining(options: WaitOptions | undefined, startedAt: number): WaitOptions | undefined {
  if (options?.timeout === undefined || options.timeout === null) return options;
  const left = Math.max(0, options.timeout - (performance.now() - startedAt));
  return { timeout: left, signal: options.signal };
}

function peerClosed(): ConnectionClosedError {
  return new ConnectionClosedError('peer closed the connection');
}

function attachError(error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  if (code === 'ERR_NO_SUCH_OBJECT') {
    return new MultiprocError(
      'this pipe end cannot be used: both ends of its pipe are already in use (an end is used in one process only; pass it on before using it)',
      'ERR_PIPE_END_IN_USE',
    );
  }
  if (error instanceof ConnectionClosedError) {
    return new ConnectionClosedError(
      `cannot reach the process that created this pipe (it introduces the ends): ${error.message}`,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new MultiprocError(String(error));
}

/** Builds a new, unused end (used by `Pipe()`). */
export function newEnd<T>(init: EndInit): PipeConnection<T> {
  return createEnd<T>(init);
}

function revive(ref: HandleRef): PipeConnection {
  const data = ref.data;
  if (
    !Array.isArray(data) ||
    (data[0] !== 0 && data[0] !== 1) ||
    typeof data[1] !== 'boolean' ||
    typeof data[2] !== 'boolean' ||
    typeof data[3] !== 'number' ||
    typeof ref.address !== 'string' ||
    typeof ref.id !== 'number'
  ) {
    throw new ProtocolError('malformed pipe end handle');
  }
  const host = Host.existing();
  const here = host !== null && host.address === ref.address ? host.lookup(ref.id) : undefined;
  const local = here instanceof Rendezvous ? here : null;
  return createEnd({
    side: data[0],
    readable: data[1],
    writable: data[2],
    maxFrameSize: data[3],
    local,
    remote: local === null ? { address: ref.address, id: ref.id } : null,
  });
}

registerHandleKind(PIPE_END_KIND, import.meta.url, revive);

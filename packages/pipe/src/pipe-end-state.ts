import { getLogger } from '@multiproc/logging';
import {
  type Connection,
  ConnectionClosedError,
  checkTimeout,
  EncodeError,
  holdProcess,
  MultiprocError,
  releaseProcess,
  TimeoutError,
  type WaitOptions,
  waitWithDeadline,
} from '@multiproc/wire';
import { Attachment, tellRendezvousClosed } from './pipe-attach.js';
import type { EndInit } from './pipe-connection.js';
import { type Queued, queuedBytes, queuedValue, SendQueue } from './send-queue.js';

/**
 * fresh: never used, can be passed on. attaching: asked to meet its peer;
 * sends are queued. open: talking over its own socket. failed: the peer was
 * gone before the ends met. closed: closed here. moved: passed to another process.
 */
export type EndStateName = 'fresh' | 'attaching' | 'open' | 'failed' | 'closed' | 'moved';

/**
 * Where one pipe end is in its life, and all it does before its ends meet:
 * starting the attachment on first use, queueing sends, waiting receives and
 * polls, closing and failing, and keeping the process alive meanwhile.
 * `PipeConnection` talks to its open `Connection` directly and comes here for
 * everything else; `opened` hands it that connection once the ends meet.
 */
export class EndState {
  readonly #init: EndInit;
  readonly #opened: (conn: Connection) => void;
  #state: EndStateName = 'fresh';
  #conn: Connection | null = null;
  /** Closed by the user while still attaching: deliver what was queued, then close. */
  #closing = false;
  #failure: Error | null = null;
  #outbox = new SendQueue();
  #attachWaiters = new Set<() => void>();
  #holding = false;

  constructor(init: EndInit, opened: (conn: Connection) => void) {
    this.#init = init;
    this.#opened = opened;
  }

  /** `true` once the end was closed here (or is closing) or passed to another process. */
  get closed(): boolean {
    return this.#state === 'closed' || this.#state === 'moved' || this.#closing;
  }

  get state(): EndStateName {
    return this.#state;
  }

  /** `send` before the ends met: encoded now, delivered when they meet. */
  send(value: unknown): void {
    this.#checkWritable();
    this.#enqueue(queuedValue(value, this.#init.maxFrameSize));
  }

  /** `sendBytes` before the ends met: copied now, delivered when they meet. */
  sendBytes(buf: Uint8Array, offset: number, size: number | undefined): void {
    this.#checkWritable();
    this.#enqueue(queuedBytes(buf, offset, size, this.#init.maxFrameSize));
  }

  /** `recv` (or `recvBytes`) before the ends met: waits for them to meet, then receives. */
  async recv(options: WaitOptions | undefined, bytes: boolean): Promise<unknown> {
    this.#checkReadable();
    const startedAt = performance.now();
    await this.#untilAttached(options);
    this.#checkReadable();
    if (this.#failure !== null) throw this.#failure;
    const rest = remaining(options, startedAt);
    return bytes ? this.#conn!.recvBytes(rest) : this.#conn!.recv(rest);
  }

  /** `poll` before the ends met: waits (within `timeout`) for them to meet, then polls. */
  async poll(timeout: number): Promise<boolean> {
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

  /** `drain` before the ends met: what was sent waits in memory until they meet. */
  drain(): Promise<void> {
    if (this.#state !== 'attaching' || this.#closing || this.#outbox.length === 0) return Promise.resolve();
    return this.#untilAttached(undefined).then(() => this.#conn?.drain());
  }

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

  /** Throws unless the end can be passed to another process (it was never used). */
  checkMovable(): void {
    if (this.#state === 'closed' || this.#closing) {
      throw new EncodeError('cannot pass a closed pipe end to another process');
    }
    if (this.#state !== 'fresh') {
      throw new EncodeError(
        'cannot pass a pipe end that has already been used to another process: pass ends on before sending, receiving or polling on them',
      );
    }
  }

  /** The end was passed to another process: it is closed here. */
  moved(): void {
    this.#state = 'moved';
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
    if (!this.#init.writable) throw new MultiprocError('connection is read-only', 'ERR_CONNECTION_MODE');
    if (this.#failure !== null) throw this.#failure;
  }

  #checkReadable(): void {
    this.#checkOpen();
    if (!this.#init.readable) throw new MultiprocError('connection is write-only', 'ERR_CONNECTION_MODE');
  }

  // ---- meeting the peer ---------------------------------------------------

  #enqueue(item: Queued): void {
    this.#attach();
    if (this.#failure !== null) throw this.#failure;
    this.#outbox.push(item);
    if (!this.#holding) this.#updateHold();
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
      opened: (conn, how) => this.#onOpened(conn, how),
      failed: (error) => this.#onFailed(error),
    }).start();
  }

  #onOpened(conn: Connection, how: 'accepted' | 'connected'): void {
    // A Pipe is request/reply traffic as often as a stream: a reply goes out as soon as the code
    // that sent it stops sending, not at the end of the tick (~0.8 us less per round trip).
    conn.flushAt = 'microtask';
    this.#opened(conn);
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

  #onFailed(error: Error): void {
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

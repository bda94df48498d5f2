import { checkTimeout, type WaitOptions, waitWithDeadline } from './abort.js';
import { ConnectionClosedError, MultiprocError } from './errors.js';
import { endOfStream, type Holder, Inbox, NO_MESSAGE, type Picker, pickBytes, pickValue } from './inbox.js';
import type { MessageSink } from './incoming-frames.js';
import { messageIterator } from './message-iterator.js';

/** What the receiving half reads of its connection; the connection itself. */
export interface ReceiverEnd extends Holder {
  /** This end was closed by its owner. */
  readonly closed: boolean;
}

/**
 * A Connection's reading side as its user sees it: where decoded messages go
 * (the inbox, or an `onMessage` handler) and the receives that take them
 * (`recv`, `recvReady`, `recvBytes`, `poll`, `for await`). The Connection
 * delegates to it; the API docs are on the Connection's methods. The end
 * state stays the Connection's: this reads `closed` and `peerClosed()`.
 */
export class Receiver implements MessageSink {
  readonly #end: ReceiverEnd;
  readonly #peerClosed: () => Error | null;
  readonly #inbox: Inbox;
  readonly readable: boolean;
  #onMessage: ((message: unknown) => void) | null = null;

  /** `peerClosed`: why the peer's side ended, or `null` while it is open. */
  constructor(end: ReceiverEnd, readable: boolean, peerClosed: () => Error | null) {
    this.#end = end;
    this.readable = readable;
    this.#peerClosed = peerClosed;
    this.#inbox = new Inbox(end, () => endOfStream(end.closed, peerClosed()));
  }

  // The MessageSink methods: IncomingFrames delivers each decoded message here, in order.
  // A handler is called as a plain function (never with this object as `this`), as when handed the queue.
  value(value: unknown): void {
    const handler = this.#onMessage;
    if (handler) handler(value);
    else this.#inbox.pushValue(value);
  }

  error(error: Error): void {
    const handler = this.#onMessage;
    if (handler) handler(error);
    else this.#inbox.pushError(error);
  }

  bytes(payload: Buffer): void {
    this.#inbox.pushBytes(payload);
  }

  set onMessage(handler: ((message: unknown) => void) | null) {
    this.#onMessage = handler;
    while (handler !== null && this.#onMessage === handler && this.#inbox.hasMessage()) {
      handler(this.#inbox.shiftForHandler());
    }
  }
  get onMessage(): ((message: unknown) => void) | null {
    return this.#onMessage;
  }

  /** Waiting receives look again: the connection ended. */
  wake(): void {
    this.#inbox.wake();
  }

  recv(options?: WaitOptions): Promise<unknown> {
    // Fast paths: no deadline to check (a value already queued needs no waiter at all).
    if (options === undefined && this.readable && !this.#end.closed) {
      const value = this.#inbox.takeReady();
      return value !== NO_MESSAGE ? Promise.resolve(value) : this.#inbox.takeValue();
    }
    return this.#take(options, pickValue);
  }

  recvReady(): unknown {
    this.#checkRead();
    return this.#inbox.takeReady();
  }

  recvBytes(options?: WaitOptions): Promise<Buffer> {
    return this.#take(options, pickBytes);
  }

  poll(timeout: number): Promise<boolean> {
    let ms: number;
    try {
      this.#checkRead();
      ms = checkTimeout(timeout);
    } catch (error) {
      // A Promise-returning call reports misuse by rejecting, like recv().
      return Promise.reject(error);
    }
    if (this.#inbox.hasMessage() || this.#peerClosed()) return Promise.resolve(true);
    if (ms === 0) return Promise.resolve(false);
    return waitWithDeadline<boolean>(
      { timeout: ms },
      (resolve) => this.#inbox.addWaiter(() => resolve(true)),
      () => false,
    );
  }

  /** The connection's `for await` (see message-iterator.ts). */
  messages(): AsyncIterableIterator<unknown> {
    return messageIterator(
      () =>
        this.readable && !this.#end.closed && this.#inbox.hasMessage() ? this.#inbox.takeReady() : NO_MESSAGE,
      () => this.recv(),
    );
  }

  #checkRead(): void {
    if (this.#end.closed) throw new ConnectionClosedError('connection is closed');
    if (!this.readable) throw new MultiprocError('connection is write-only', 'ERR_CONNECTION_MODE');
  }

  #take<T>(options: WaitOptions | undefined, pick: Picker<T>): Promise<T> {
    try {
      this.#checkRead();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#inbox.take(options, pick);
  }
}

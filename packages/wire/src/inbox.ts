import { abortError, checkTimeout, type WaitOptions, waitWithDeadline } from './abort.js';
import { ConnectionClosedError, MultiprocError, ProtocolError } from './errors.js';

/** `error`: the message arrived but could not be decoded here; receiving it rejects with that error. */
export type Message = { bytes: true; value: Buffer } | { bytes: false; value: unknown; error?: Error };

/** What `Connection.recvReady()` returns when no message is ready. */
export const NO_MESSAGE: unique symbol = Symbol('multiproc.noMessage');

/** What recvBytes' picker returns for a value message: `undefined` is a valid message, so it cannot mean "no". */
export const NOT_BYTES: unique symbol = Symbol('not bytes');

export type Picker<T> = (m: Message) => T | typeof NOT_BYTES;

export const pickValue: Picker<unknown> = (m) => m.value;

export const pickBytes: Picker<Buffer> = (m) => {
  if (m.bytes) return m.value;
  if (m.value instanceof Uint8Array)
    return Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
  return NOT_BYTES;
};

/** Why a receive that finds nothing queued fails: `null` while more may arrive. */
export function endOfStream(closed: boolean, peerClosed: Error | null): Error | null {
  if (closed) return new ConnectionClosedError('connection is closed');
  if (peerClosed === null) return null;
  if (peerClosed instanceof ProtocolError) return peerClosed;
  if (peerClosed instanceof ConnectionClosedError) return peerClosed;
  return new ConnectionClosedError('peer closed the connection', { cause: peerClosed });
}

/** Keeps the process alive while a receive waits (the connection's `hold`/`release`). */
export interface Holder {
  hold(): void;
  release(): void;
}

type Taken<T> = { ok: true; value: T } | { ok: false; error?: Error };

/**
 * A queued message that is not a plain decoded value: raw bytes, or one that
 * could not be decoded. Plain values are queued as they are (no wrapper per
 * message); a decoded value can never be an instance of this private class.
 */
class Wrapped {
  readonly message: Message;
  constructor(message: Message) {
    this.message = message;
  }
}

function messageOf(item: unknown): Message {
  return item instanceof Wrapped ? item.message : { bytes: false, value: item };
}

/** Received messages not yet taken, and the receives waiting for one. */
export class Inbox {
  readonly #holder: Holder;
  /** Why a receive that finds nothing queued fails, or `null` while more may arrive. */
  readonly #endError: () => Error | null;
  #items: unknown[] = [];
  #head = 0;
  #waiters: Array<() => void> = [];

  constructor(holder: Holder, endError: () => Error | null) {
    this.#holder = holder;
    this.#endError = endError;
  }

  hasMessage(): boolean {
    return this.#head < this.#items.length;
  }

  /** The next message's value if one is queued, else `NO_MESSAGE`; one that cannot be decoded is left for `take()`. */
  takeReady(): unknown {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      if (!(item instanceof Wrapped)) {
        this.#shift();
        return item;
      }
      if (item.message.bytes || !item.message.error) {
        this.#shift();
        return item.message.value;
      }
    }
    return NO_MESSAGE;
  }

  /** Removes the next message for a handler: its value, its bytes, or the error it failed with. Call only when `hasMessage()`. */
  shiftForHandler(): unknown {
    const item = this.#items[this.#head];
    this.#shift();
    if (!(item instanceof Wrapped)) return item;
    const m = item.message;
    return !m.bytes && m.error ? m.error : m.value;
  }

  pushValue(value: unknown): void {
    this.#items.push(value);
    if (this.#waiters.length > 0) this.wake();
  }

  pushBytes(bytes: Buffer): void {
    this.#items.push(new Wrapped({ bytes: true, value: bytes }));
    this.wake();
  }

  pushError(error: Error): void {
    this.#items.push(new Wrapped({ bytes: false, value: undefined, error }));
    this.wake();
  }

  /** The next message picked by `pick`, waiting for one if none is queued. */
  take<T>(options: WaitOptions | undefined, pick: Picker<T>): Promise<T> {
    try {
      // Checked here, not only when a wait starts, so a bad timeout fails even if a message is queued.
      checkTimeout(options?.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    if (options?.signal?.aborted) return Promise.reject(abortError(options.signal));
    const first = this.#tryTake(pick);
    if (first.ok) return Promise.resolve(first.value);
    if (first.error) return Promise.reject(first.error);
    return waitWithDeadline<T>(options, (resolve, reject) => {
      let cancel = () => {};
      // Several waiters may wake for one message: whoever loses re-arms.
      const arm = () => {
        cancel = this.addWaiter(() => {
          const r = this.#tryTake(pick);
          if (r.ok) resolve(r.value);
          else if (r.error) reject(r.error);
          else arm();
        });
      };
      arm();
      return () => cancel();
    });
  }

  /** `take(undefined, pickValue)` without the deadline machinery: the common `recv()`, a round trip's hot path. */
  takeValue(): Promise<unknown> {
    const first = this.#tryTake(pickValue);
    if (first.ok) return Promise.resolve(first.value);
    if (first.error) return Promise.reject(first.error);
    return new Promise((resolve, reject) => {
      const onWake = () => {
        const r = this.#tryTake(pickValue);
        if (r.ok) resolve(r.value);
        else if (r.error) reject(r.error);
        else this.addWaiter(onWake);
      };
      this.addWaiter(onWake);
    });
  }

  /** Registers a one-shot waiter woken by the next message or close; returns its canceller. */
  addWaiter(fn: () => void): () => void {
    let active = true;
    const holder = this.#holder;
    holder.hold();
    const wrapped = () => {
      if (!active) return;
      active = false;
      holder.release();
      fn();
    };
    this.#waiters.push(wrapped);
    return () => {
      if (!active) return;
      active = false;
      holder.release();
      const i = this.#waiters.indexOf(wrapped);
      if (i >= 0) this.#waiters.splice(i, 1);
    };
  }

  wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #tryTake<T>(pick: Picker<T>): Taken<T> {
    if (this.#head < this.#items.length) {
      const message = messageOf(this.#items[this.#head]);
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
    const error = this.#endError();
    return error === null ? { ok: false } : { ok: false, error };
  }

  #shift(): void {
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

import { type Address, parseAddress } from './address.js';
import { getAuthkey } from './authkey.js';
import { CastBatcher } from './cast-batch.js';
import { encodeValue, type RevivalError } from './codec.js';
import { Connection } from './connection.js';
import { infoToError } from './error-codec.js';
import { ConnectionClosedError, type RemoteErrorInfo } from './errors.js';
import { handshakeInTree } from './handshake.js';
import { connectForFrames } from './listener.js';
import { CANCEL, CAST, ERR, LINK, PUSH, REQ, RES } from './messages.js';

type PushListener = (event: string, value: unknown) => void;
type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

const links = new Map<string, HostLink>();

/**
 * This process's side of the one multiplexed connection to another
 * process's host. Requests carry ids; replies may come in any order; pushes
 * are routed to the proxies subscribed to an object.
 */
export class HostLink {
  readonly address: string;
  #conn: Connection | null = null;
  #queued: unknown[][] = [];
  #failed: Error | null = null;
  #nextReq = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #subscribers = new Map<number, Set<PushListener>>();
  readonly #closeListeners = new Set<(error: Error) => void>();

  /** The link to the host at `address`, connecting on first use. */
  static to(address: string): HostLink {
    let link = links.get(address);
    if (link === undefined || link.#failed !== null) {
      // biome-ignore lint/complexity/noThisInStatic: naming the class in its own body makes the bundler rename it (_HostLink)
      link = new this(address);
      links.set(address, link);
    }
    return link;
  }

  private constructor(address: string) {
    this.address = address;
    this.#connect(parseAddress(address));
  }

  get closed(): boolean {
    return this.#failed !== null;
  }

  /** Send a request and wait for its reply. Aborting sends a cancel; the reply still settles the promise. */
  request(objectId: number, op: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    const reqId = this.#nextReq++;
    const message = [REQ, reqId, objectId, op, args];
    try {
      this.#send(message);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#conn?.hold();
    return new Promise<unknown>((resolve, reject) => {
      if (!signal) {
        this.#pending.set(reqId, { resolve, reject });
        return;
      }
      const onAbort = () => {
        if (this.#pending.has(reqId) && !this.#failed) this.#trySend([CANCEL, reqId]);
      };
      // A long-lived signal shared by many requests must not collect their listeners.
      const done = () => signal.removeEventListener('abort', onAbort);
      this.#pending.set(reqId, {
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Fire and forget. Throws at once if `args` cannot be encoded or the link is down. */
  cast(objectId: number, op: string, args: unknown[]): void {
    if (this.#failed) throw this.#failed;
    // Casts of one tick travel as one CASTS/CASTS1 message (see CastBatcher).
    if (this.#conn !== null) this.#casts.add(objectId, op, args);
    else this.#send([CAST, objectId, op, args]);
  }

  /** Casts held back this tick; sent before anything else the link sends. */
  readonly #casts = new CastBatcher({
    send: (message) => {
      if (this.#failed === null && this.#conn !== null) this.#conn.send(message);
    },
    encodePart: (value, beforeReset) => this.#conn!.encodePart(value, beforeReset),
    sendParts: (parts, modules) => {
      if (this.#failed === null && this.#conn !== null) this.#conn.sendParts(parts, modules);
    },
    writeOut: () => {
      if (this.#failed === null && this.#conn !== null) this.#conn.writeOut();
    },
  });

  /** Receive pushes for `objectId`; returns the unsubscriber. */
  subscribe(objectId: number, listener: PushListener): () => void {
    let set = this.#subscribers.get(objectId);
    if (set === undefined) this.#subscribers.set(objectId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#subscribers.delete(objectId);
    };
  }

  onClose(listener: (error: Error) => void): () => void {
    if (this.#failed) {
      const failed = this.#failed;
      queueMicrotask(() => listener(failed));
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Keep the process alive while something waits on this link. */
  hold(): void {
    this.#conn?.hold();
    if (!this.#conn) this.#earlyHolds++;
  }
  release(): void {
    if (this.#conn) this.#conn.release();
    else if (this.#earlyHolds > 0) this.#earlyHolds--;
  }
  #earlyHolds = 0;

  /** Resolves when outgoing bytes are below the high-water mark. */
  drain(): Promise<void> {
    return this.#conn ? this.#conn.drain() : Promise.resolve();
  }

  #send(message: unknown[]): void {
    if (this.#conn) {
      if (this.#casts.pending) this.#casts.flush(); // FIFO with casts held back this tick
      this.#conn.send(message);
      return;
    }
    // Not connected yet: check now that it encodes, so a bad value fails here and not later.
    encodeValue(message);
    this.#queued.push(message);
  }

  #trySend(message: unknown[]): void {
    try {
      this.#send(message);
    } catch {
      // Closed meanwhile: the close handler settles everything.
    }
  }

  async #connect(address: Address): Promise<void> {
    let conn: Connection;
    try {
      const socket = await connectForFrames(address);
      // Stays referenced until the Connection takes over (it unrefs, then holds per pending request):
      // requests and casts queued while connecting would otherwise die with a process that has
      // nothing else to do, before they are even sent.
      socket.on('error', () => {});
      const { head, sameTree } = await handshakeInTree(socket, 'client', getAuthkey());
      conn = new Connection(socket, { head, spill: sameTree ? 'send' : undefined });
    } catch (error) {
      this.#fail(
        error instanceof ConnectionClosedError
          ? error
          : new ConnectionClosedError(
              `cannot reach the owner at ${this.address}: ${(error as Error).message}`,
              { cause: error },
            ),
      );
      return;
    }
    this.#conn = conn;
    conn.onMessage = this.#onMessage;
    conn.onClose((error) =>
      this.#fail(
        new ConnectionClosedError('the owning process closed the connection or exited', {
          cause: error ?? undefined,
        }),
      ),
    );
    conn.send([LINK, process.pid]);
    for (let i = 0; i < this.#pending.size; i++) conn.hold();
    for (; this.#earlyHolds > 0; this.#earlyHolds--) conn.hold();
    const queued = this.#queued;
    this.#queued = [];
    for (const m of queued) conn.send(m);
  }

  readonly #onMessage = (message: unknown): void => {
    // A reply holding a handle this process cannot revive fails that one request (RevivalError).
    const undecodable = message instanceof Error ? message : null;
    const m = undecodable ? (undecodable as RevivalError).partial : message;
    if (!Array.isArray(m)) return;
    if (undecodable && (m[0] === RES || m[0] === ERR)) {
      const pending = this.#pending.get(m[1] as number);
      if (!pending) return;
      this.#pending.delete(m[1] as number);
      this.#conn?.release();
      pending.reject(undecodable);
      return;
    }
    const type = m[0];
    if (type === RES || type === ERR) {
      const pending = this.#pending.get(m[1] as number);
      if (!pending) return;
      this.#pending.delete(m[1] as number);
      this.#conn?.release();
      if (type === RES) pending.resolve(m[2]);
      else pending.reject(infoToError(m[2] as RemoteErrorInfo));
    } else if (type === PUSH) {
      const set = this.#subscribers.get(m[1] as number);
      if (set) for (const listener of [...set]) listener(m[2] as string, m[3]);
    }
  };

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = error;
    this.#casts.clear();
    if (links.get(this.address) === this) links.delete(this.address);
    this.#queued = [];
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
    for (const listener of [...this.#closeListeners]) listener(error);
    this.#closeListeners.clear();
    this.#conn?.destroy();
  }
}

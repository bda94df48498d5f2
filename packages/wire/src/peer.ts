import type { Connection } from './connection.js';
import { ProtocolError } from './errors.js';
import { PUSH } from './messages.js';
import type { PendingRequest } from './pending-request.js';

/** What a primitive's owner registers with its host to serve remote holders. */
export interface HostedObject {
  /** Serve one operation. The return value (or the promise's) is the reply; a throw becomes the remote error. */
  handle(op: string, args: unknown[], ctx: RequestContext): unknown;
  /**
   * Optional: how to take a batch of one-argument casts of `op` from one peer in one call
   * (what a proxy's casts of one tick arrive as), or `undefined` to have each go through
   * `handle(op, [value], ctx)`. The handler must do what those calls would, in order; a throw
   * or rejection is pushed to the peer as one `error` event.
   */
  castsHandler?(op: string): ((values: unknown[], ctx: RequestContext) => unknown) | undefined;
  /**
   * Optional: whether `op` stores its arguments to pass them on to another process (a queue's
   * puts). Then large Buffers from a peer in this process tree reach it as SpilledBytes, which
   * travel on as file names; the keeper calls `materialize()` before handing a value to code in
   * its own process. Every other operation gets Buffers. @default false for every op
   */
  keepsSpilled?(op: string): boolean;
  /** A peer process's link ended: drop whatever it was waiting for. */
  peerGone?(peer: Peer): void;
}

export interface RequestContext {
  peer: Peer;
  /** Aborted when the requester cancels or disappears. Absent for casts. */
  signal?: AbortSignal;
}

/** A peer over which this host sends more than this unread is dropped, so memory stays bounded. */
const MAX_UNREAD_BYTES = 256 * 1024 * 1024;

let nextPeerId = 1;

/** One remote process linked to this host. */
export class Peer {
  readonly id = nextPeerId++;
  readonly #conn: Connection;
  readonly pending = new Map<number, PendingRequest>();
  /** The peer's process id, as it announced it in its LINK message (0 if it did not). */
  readonly pid: number;
  constructor(conn: Connection, pid = 0) {
    this.#conn = conn;
    this.pid = pid;
  }
  /** Send an event to this peer's proxies of `objectId`. */
  push(objectId: number, event: string, value?: unknown): void {
    if (this.#conn.closed) return;
    try {
      this.#conn.send([PUSH, objectId, event, value]);
    } catch {
      // The peer is gone; its close handler cleans up.
    }
  }
  /** @internal */
  send(message: unknown[]): void {
    // A reply that outlives its requester has nobody to go to.
    if (this.#conn.closed) return;
    this.#conn.send(message);
    if (this.#conn.pendingBytes > MAX_UNREAD_BYTES) {
      this.#conn.destroy(new ProtocolError('peer stopped reading: dropped'));
    }
  }
}

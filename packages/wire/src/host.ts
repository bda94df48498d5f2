import { chmodSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { type Address, addressToString, isTcp, listenOptions, parseAddress } from './address.js';
import { getAuthkey } from './authkey.js';
import type { RevivalError } from './codec.js';
import { Connection } from './connection.js';
import { errorToInfo } from './error-codec.js';
import { InvalidArgumentError, MultiprocError, ProtocolError } from './errors.js';
import { handshake } from './handshake.js';
import { ATTACH, CANCEL, CAST, CASTS, CASTS1, ERR, LINK, PUSH, REQ, RES } from './messages.js';
import { PendingRequest } from './pending-request.js';
import { privateDir } from './private-dir.js';

/** What a primitive's owner registers with its host to serve remote holders. */
export interface HostedObject {
  /** Serve one operation. The return value (or the promise's) is the reply; a throw becomes the remote error. */
  handle(op: string, args: unknown[], ctx: RequestContext): unknown;
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

export interface HostOptions {
  /** Serve TCP instead of a private Unix socket (for remote access). Requires an authkey. */
  address?: Address;
  authkey?: Uint8Array;
}

let current: Host | null = null;

/**
 * The per-process server that owns the primitives created here and serves
 * their operations to other processes over one multiplexed, authenticated
 * connection per peer. Started on first use; never keeps the process alive.
 */
export class Host {
  /** Resolves once the server is bound; rejects (code ERR_LISTEN) if it cannot be. */
  readonly ready: Promise<void>;
  #address: string;
  readonly #server: net.Server;
  readonly #objects = new Map<number, HostedObject>();
  readonly #peers = new Set<Peer>();
  readonly #attachers = new Map<string, (conn: Connection) => void>();
  readonly #authkey: Buffer;
  #nextId = 1;
  #closed = false;

  /** This process's host, started on first call. */
  static current(): Host {
    current ??= new Host();
    return current;
  }

  /** The running host, if one was started. */
  static existing(): Host | null {
    return current;
  }

  constructor(options: HostOptions = {}) {
    const address = parseAddress(options.address ?? join(privateDir(), `host-${process.pid}.sock`));
    if (isTcp(address) && options.authkey === undefined) {
      throw new InvalidArgumentError('a TCP host requires an explicit authkey');
    }
    this.#authkey = options.authkey ? Buffer.from(options.authkey) : getAuthkey();
    this.#server = net.createServer((socket) => this.#onSocket(socket));
    this.#address = addressToString(address);
    this.ready = new Promise<void>((resolve, reject) => {
      this.#server.once('listening', () => {
        // A TCP port 0 is only known once bound, and handles must carry the real one.
        const bound = this.#server.address();
        if (bound && typeof bound === 'object') {
          this.#address = addressToString({ host: bound.address, port: bound.port });
        }
        resolve();
      });
      this.#server.once('error', (error) =>
        reject(
          new MultiprocError(`cannot listen on ${this.#address}: ${error.message}`, 'ERR_LISTEN', {
            cause: error,
          }),
        ),
      );
    });
    this.ready.catch(() => {});
    this.#server.on('error', () => {});
    // Binding a Unix socket is synchronous, so the address is usable at once.
    this.#server.listen(listenOptions(address, 511));
    this.#server.unref();
    if (!isTcp(address)) chmodSync(address, 0o600);
  }

  /** Where other processes reach this host: a socket path, or `tcp://host:port` (final once `ready`). */
  get address(): string {
    return this.#address;
  }

  register(object: HostedObject): number {
    const id = this.#nextId++;
    this.#objects.set(id, object);
    return id;
  }

  unregister(id: number): void {
    this.#objects.delete(id);
  }

  lookup(id: number): HostedObject | undefined {
    return this.#objects.get(id);
  }

  /** Wait for one incoming socket that presents `token` (how a Pipe end is reached directly). */
  expectAttach(token: string, onAttach: (conn: Connection) => void): () => void {
    this.#attachers.set(token, onAttach);
    return () => this.#attachers.delete(token);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    if (current === this) current = null;
  }

  #onSocket(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.#closed) {
      socket.destroy();
      return;
    }
    handshake(socket, 'server', this.#authkey).then(
      (head) => {
        const conn = new Connection(socket, { head });
        conn.onMessage = (first) => this.#onFirstMessage(conn, first);
        conn.onClose(() => {});
      },
      () => {
        // A failed handshake only costs that socket.
      },
    );
  }

  #onFirstMessage(conn: Connection, first: unknown): void {
    if (Array.isArray(first) && first[0] === LINK) {
      const peer = new Peer(conn, Number.isInteger(first[1]) ? (first[1] as number) : 0);
      this.#peers.add(peer);
      conn.onMessage = (m) => this.#onMessage(peer, conn, m);
      conn.onClose(() => this.#onPeerClosed(peer));
      return;
    }
    if (Array.isArray(first) && first[0] === ATTACH && typeof first[1] === 'string') {
      const attach = this.#attachers.get(first[1]);
      if (attach) {
        this.#attachers.delete(first[1]);
        conn.onMessage = null;
        attach(conn);
        return;
      }
    }
    conn.destroy(new ProtocolError('unexpected first message'));
  }

  #onMessage(peer: Peer, conn: Connection, m: unknown): void {
    if (m instanceof Error && Array.isArray((m as RevivalError).partial)) {
      // Arguments holding a handle this process cannot revive: that request fails, the link stays.
      const [type, reqId, objectId] = (m as RevivalError).partial as unknown[];
      if (type === REQ && typeof reqId === 'number') peer.send([ERR, reqId, errorToInfo(m)]);
      else if (type === CAST || type === CASTS || type === CASTS1)
        peer.push(typeof objectId === 'number' ? objectId : 0, 'error', errorToInfo(m));
      return;
    }
    if (!Array.isArray(m)) {
      conn.destroy(new ProtocolError('host message must be an array'));
      return;
    }
    const type = m[0];
    if (type === REQ) this.#onRequest(peer, m);
    else if (type === CAST) this.#onCast(peer, m);
    else if (type === CASTS) this.#onCasts(peer, m);
    else if (type === CASTS1) this.#onCasts1(peer, m);
    else if (type === CANCEL) peer.pending.get(m[1] as number)?.abort();
    else conn.destroy(new ProtocolError(`unknown host message type ${String(type)}`));
  }

  #onRequest(peer: Peer, m: unknown[]): void {
    const [, reqId, objectId, op, args] = m;
    if (typeof reqId !== 'number') {
      peer.push(0, 'error', errorToInfo(new ProtocolError('request without an id')));
      return;
    }
    const reply = (ok: boolean, value: unknown) => {
      peer.pending.delete(reqId);
      try {
        peer.send(ok ? [RES, reqId, value] : [ERR, reqId, errorToInfo(value)]);
      } catch (error) {
        // The reply itself could not be encoded: tell the requester why.
        if (!ok) return;
        try {
          peer.send([ERR, reqId, errorToInfo(error)]);
        } catch {
          // The requester went away meanwhile.
        }
      }
    };
    const object = this.#resolve(objectId, op, args);
    if (object instanceof Error) {
      reply(false, object);
      return;
    }
    const request = new PendingRequest(peer);
    peer.pending.set(reqId, request);
    let result: unknown;
    try {
      result = object.handle(op as string, args as unknown[], request);
    } catch (error) {
      reply(false, error);
      return;
    }
    if (result instanceof Promise)
      result.then(
        (v) => reply(true, v),
        (e) => reply(false, e),
      );
    else reply(true, result);
  }

  #onCast(peer: Peer, m: unknown[]): void {
    const [, objectId, op, args] = m;
    const object = this.#resolve(objectId, op, args);
    if (object instanceof Error) castFailed(peer, objectId, object);
    else castTo(object, peer, objectId, op as string, args as unknown[], { peer });
  }

  /** `[CASTS1, objectId, op, [arg, ...]]`: the same as one CAST of `[arg]` per arg, in order. */
  #onCasts1(peer: Peer, m: unknown[]): void {
    const [, objectId, op, list] = m;
    const object = this.#resolve(objectId, op, list);
    if (object instanceof Error) {
      castFailed(peer, objectId, object);
      return;
    }
    const values = list as unknown[];
    const ctx = { peer };
    for (let i = 0; i < values.length; i++) castTo(object, peer, objectId, op as string, [values[i]], ctx);
  }

  /** `[CASTS, objectId, op, [args, ...]]`: the same as one CAST per args, in order. */
  #onCasts(peer: Peer, m: unknown[]): void {
    const [, objectId, op, list] = m;
    if (!Array.isArray(list)) {
      castFailed(peer, objectId, new ProtocolError('malformed request'));
      return;
    }
    for (let i = 0; i < list.length; i++) this.#onCast(peer, [CAST, objectId, op, list[i]]);
  }

  #resolve(objectId: unknown, op: unknown, args: unknown): HostedObject | Error {
    if (typeof op !== 'string' || !Array.isArray(args)) return new ProtocolError('malformed request');
    const object = typeof objectId === 'number' ? this.#objects.get(objectId) : undefined;
    if (object === undefined) {
      return new MultiprocError(
        `no object ${String(objectId)} at this host: it was closed, or never existed`,
        'ERR_NO_SUCH_OBJECT',
      );
    }
    return object;
  }

  /**
   * Resolves once every link from process `pid` has ended, that is once
   * everything it sent has been read and handled here. Process.join() waits
   * for this, so what a child put before it exited is in the queue before
   * anything the parent does after the join (Python gets this from the pipe:
   * the child's feeder flushes before it exits).
   */
  peersGone(pid: number): Promise<void> {
    if (![...this.#peers].some((p) => p.pid === pid)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if ([...this.#peers].some((p) => p.pid === pid)) return;
        this.#peerWatchers.delete(check);
        resolve();
      };
      this.#peerWatchers.add(check);
    });
  }

  readonly #peerWatchers = new Set<() => void>();

  #onPeerClosed(peer: Peer): void {
    this.#peers.delete(peer);
    for (const check of [...this.#peerWatchers]) check();
    for (const request of peer.pending.values()) request.abort();
    peer.pending.clear();
    for (const object of this.#objects.values()) object.peerGone?.(peer);
  }
}

/** Runs one cast; a failure is pushed to the caster as an `error` event. */
function castTo(
  object: HostedObject,
  peer: Peer,
  objectId: unknown,
  op: string,
  args: unknown[],
  ctx: RequestContext,
): void {
  try {
    const result = object.handle(op, args, ctx);
    if (result instanceof Promise) result.catch((error) => castFailed(peer, objectId, error));
  } catch (error) {
    castFailed(peer, objectId, error);
  }
}

function castFailed(peer: Peer, objectId: unknown, error: unknown): void {
  peer.push(typeof objectId === 'number' ? objectId : 0, 'error', errorToInfo(error));
}

import type net from 'node:net';

import { type Address, addressToString, isTcp, listenOptions, parseAddress } from './address.js';
import { getAuthkey } from './authkey.js';
import { Connection } from './connection.js';
import { InvalidArgumentError, MultiprocError, ProtocolError } from './errors.js';
import { handshakeInTree } from './handshake.js';
import { dispatch } from './host-dispatch.js';
import { markHostStarted } from './host-presence.js';
import { ATTACH, LINK } from './messages.js';
import { type HostedObject, Peer } from './peer.js';
import { privateDir } from './private-dir.js';
import { adoptForReading } from './reading-socket.js';

const { chmodSync } = process.getBuiltinModule('node:fs');
const { createServer } = process.getBuiltinModule('node:net');
const { join } = process.getBuiltinModule('node:path');

export type { HostedObject, RequestContext } from './peer.js';
export { Peer };

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
    // biome-ignore lint/complexity/noThisInStatic: naming the class in its own body makes the bundler rename it (_Host)
    current ??= new this();
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
    markHostStarted();
    // Paused: each accepted socket is re-made to read through onread first (reading-socket.ts).
    this.#server = createServer({ pauseOnConnect: true }, (socket) =>
      this.#onSocket(adoptForReading(socket)),
    );
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
    handshakeInTree(socket, 'server', this.#authkey).then(
      ({ head, sameTree }) => {
        // From the first message on: a link's first puts may share a frame with its LINK.
        const conn = new Connection(socket, { head, spill: sameTree ? 'keep' : undefined });
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
      conn.onMessage = (m) => dispatch(this.#objects, peer, conn, m);
      conn.onClose(() => this.#onPeerClosed(peer));
      return;
    }
    if (Array.isArray(first) && first[0] === ATTACH && typeof first[1] === 'string') {
      const attach = this.#attachers.get(first[1]);
      if (attach) {
        this.#attachers.delete(first[1]);
        // A handed-over connection is a plain one (a Pipe end): its peer never sends payload files.
        conn.setSpill(false, false);
        conn.onMessage = null;
        attach(conn);
        return;
      }
    }
    conn.destroy(new ProtocolError('unexpected first message'));
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

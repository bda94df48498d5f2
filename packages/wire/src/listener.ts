import type net from 'node:net';

import {
  type Address,
  addressToString,
  connectOptions,
  isTcp,
  listenOptions,
  parseAddress,
} from './address.js';
import { toAuthkey } from './authkey.js';
import { Connection } from './connection.js';
import { type ConnectionOptions, checkMaxFrameSize } from './connection-options.js';
import { ConnectionClosedError, InvalidArgumentError, MultiprocError } from './errors.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, handshake } from './handshake.js';
import { privateDir } from './private-dir.js';
import { adoptForReading, connectReadingSocket } from './reading-socket.js';

const { chmodSync } = process.getBuiltinModule('node:fs');
const { connect, createServer } = process.getBuiltinModule('node:net');
const { join } = process.getBuiltinModule('node:path');

export interface ListenerOptions {
  /** A socket path or `{ host, port }`. Omitted: a private Unix socket in a 0700 directory. */
  address?: Address;
  /** Clients must prove they hold this key (HMAC-SHA256 challenge). Required for TCP. */
  authkey?: Uint8Array | string;
  /** @default 67108864 (64 MiB) */
  maxFrameSize?: number;
  /** @default 511 */
  backlog?: number;
  /** Milliseconds a client has to finish the handshake. @default 10000 */
  handshakeTimeout?: number;
}

let listenerCount = 0;

type Outcome = { conn: Connection } | { error: Error };

/**
 * Accepts authenticated Connections, as Python's
 * `multiprocessing.connection.Listener`. A client that fails the handshake
 * makes that `accept()` reject; the listener keeps serving others.
 */
export class Listener {
  readonly #server: net.Server;
  readonly #authkey: Buffer | null;
  readonly #options: ConnectionOptions;
  readonly #handshakeTimeout: number;
  readonly #outcomes: Outcome[] = [];
  readonly #acceptors: Array<(o: Outcome) => void> = [];
  #address: Address;
  #closed = false;
  /** Set until the listener is bound: a close() before then must still settle `ready`. */
  #rejectReady: ((error: Error) => void) | null = null;
  /** Resolves once the listener is bound (`address` is final then: a port 0 becomes the real port). */
  readonly ready: Promise<void>;

  constructor(options: ListenerOptions = {}) {
    this.#address = parseAddress(options.address ?? join(privateDir(), `listener-${++listenerCount}.sock`));
    this.#authkey = options.authkey === undefined ? null : toAuthkey(options.authkey);
    if (isTcp(this.#address) && this.#authkey === null) {
      throw new InvalidArgumentError('a TCP listener requires an authkey');
    }
    this.#options = { maxFrameSize: options.maxFrameSize };
    checkMaxFrameSize(options.maxFrameSize);
    this.#handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    // Paused: each accepted socket is re-made to read through onread first (reading-socket.ts).
    this.#server = createServer({ pauseOnConnect: true }, (socket) =>
      this.#onSocket(adoptForReading(socket)),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.#rejectReady = reject;
      this.#server.once('error', (error) =>
        reject(
          new MultiprocError(
            `cannot listen on ${addressToString(this.#address)}: ${error.message}`,
            'ERR_LISTEN',
            { cause: error },
          ),
        ),
      );
      this.#server.listen(listenOptions(this.#address, options.backlog ?? 511), () => {
        const bound = this.#server.address();
        if (bound && typeof bound === 'object') this.#address = { host: bound.address, port: bound.port };
        else if (typeof this.#address === 'string') chmodSync(this.#address, 0o600);
        this.#rejectReady = null;
        resolve();
      });
    });
    this.ready.catch(() => {});
  }

  /** The bound address: a socket path or `{ host, port }`. */
  get address(): Address {
    return this.#address;
  }

  /** The next authenticated connection. Rejects with AuthenticationError for a client that failed. */
  accept(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError('listener is closed'));
    const outcome = this.#outcomes.shift();
    if (outcome) return settle(outcome);
    return new Promise<Outcome>((resolve) => this.#acceptors.push(resolve)).then(settle);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    this.#rejectReady?.(new ConnectionClosedError('listener is closed'));
    this.#rejectReady = null;
    for (const a of this.#acceptors.splice(0)) a({ error: new ConnectionClosedError('listener is closed') });
    for (const o of this.#outcomes.splice(0)) if ('conn' in o) o.conn.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #onSocket(socket: net.Socket): void {
    socket.on('error', () => {});
    handshake(socket, 'server', this.#authkey, this.#handshakeTimeout).then(
      (head) => this.#push({ conn: new Connection(socket, { ...this.#options, head }) }),
      (error: Error) => this.#push({ error }),
    );
  }

  #push(outcome: Outcome): void {
    if (this.#closed) {
      if ('conn' in outcome) outcome.conn.close();
      return;
    }
    const acceptor = this.#acceptors.shift();
    if (acceptor) acceptor(outcome);
    else if (this.#outcomes.length < 1024) this.#outcomes.push(outcome);
  }
}

function settle(o: Outcome): Promise<Connection> {
  return 'conn' in o ? Promise.resolve(o.conn) : Promise.reject(o.error);
}

export interface ClientOptions extends Pick<ConnectionOptions, 'maxFrameSize'> {
  authkey?: Uint8Array | string;
  /** Milliseconds to connect and authenticate. @default 10000 */
  timeout?: number;
}

/** Connect to a Listener, as Python's `multiprocessing.connection.Client`. */
export async function Client(address: Address | string, options: ClientOptions = {}): Promise<Connection> {
  const socket = await connectForFrames(parseAddress(address));
  const authkey = options.authkey === undefined ? null : toAuthkey(options.authkey);
  const head = await handshake(socket, 'client', authkey, options.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
  return new Connection(socket, { maxFrameSize: options.maxFrameSize, head });
}

export function connectSocket(address: Address): Promise<net.Socket> {
  return connected(connect(connectOptions(address)), address);
}

/** @internal A socket for a Connection: reads without the Readable stream (reading-socket.ts). */
export function connectForFrames(address: Address): Promise<net.Socket> {
  return connected(connectReadingSocket(connectOptions(address)), address);
}

function connected(socket: net.Socket, address: Address): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new ConnectionClosedError(`cannot connect to ${addressToString(address)}: ${error.message}`, {
          cause: error,
        }),
      );
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

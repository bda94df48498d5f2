import {
  Client,
  type Connection,
  ConnectionClosedError,
  getAuthkey,
  Host,
  HostLink,
  MultiprocError,
} from '@multiproc/wire';
import type { EndInit } from './pipe-connection.js';
import { type AttachReply, NOTICE_EVENT, type WaitNotice } from './rendezvous.js';

const { randomBytes } = process.getBuiltinModule('node:crypto');

/** wire's first message that hands a socket to a host's `expectAttach` waiter (`ATTACH` in wire's messages.ts). */
const ATTACH = 6;
/** An end told that its peer is on the way fails if no connection arrives within this many ms. */
const CONNECT_DEADLINE = 15_000;

/** What the end being attached is told. */
export interface AttachHooks {
  /** Whether the end still waits to meet its peer; news that comes after is dropped. */
  attaching(): boolean;
  /** The ends met over `conn`. */
  opened(conn: Connection, how: 'accepted' | 'connected'): void;
  /** The ends will never meet. */
  failed(error: Error): void;
}

/** One end's meeting with its peer, arranged through the pipe's rendezvous. */
export class Attachment {
  readonly #end: EndInit;
  readonly #hooks: AttachHooks;
  #peerAnnounced = false;
  #cleanups: Array<() => void> = [];

  constructor(end: EndInit, hooks: AttachHooks) {
    this.#end = end;
    this.#hooks = hooks;
  }

  /**
   * Asks the rendezvous to meet the other end. This end is first made
   * reachable on this process's host under a fresh token, so a peer told to
   * connect can never arrive before the token is known here.
   */
  start(): void {
    const side = this.#end.side;
    const host = Host.current();
    const token = randomBytes(18).toString('base64url');
    this.#cleanups.push(host.expectAttach(token, (conn) => this.#opened(conn, 'accepted')));
    const local = this.#end.local;
    if (local !== null) {
      let reply: AttachReply;
      try {
        reply = local.attach(side, host.address, token, (n) => this.#onNotice(n), null);
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
      this.#onReply(reply);
      return;
    }
    const { address, id } = this.#end.remote!;
    const link = HostLink.to(address);
    this.#cleanups.push(
      link.subscribe(id, (event, value) => {
        if (event === NOTICE_EVENT && Array.isArray(value) && value[0] === side) {
          this.#onNotice(value[1] as WaitNotice);
        }
      }),
      link.onClose((error) => {
        if (!this.#hooks.attaching() || this.#peerAnnounced) return;
        this.#fail(
          new ConnectionClosedError(
            'the process that created this pipe exited before both ends were used: it introduces the ends, so it must run until each end has been used once',
            { cause: error },
          ),
        );
      }),
    );
    link.request(id, 'attach', [side, host.address, token]).then(
      (reply) => this.#onReply(reply as AttachReply),
      (error) => this.#fail(attachError(error)),
    );
  }

  #onReply(reply: AttachReply): void {
    if (!this.#hooks.attaching()) return;
    if ('connect' in reply) {
      this.#connect(reply.connect, reply.token);
    } else if ('gone' in reply) {
      this.#fail(peerClosed());
    }
    // { wait }: the peer connects to this end's host when it is used.
  }

  #onNotice(notice: WaitNotice): void {
    if (!this.#hooks.attaching()) return;
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
      conn = await Client(address, { authkey: getAuthkey(), maxFrameSize: this.#end.maxFrameSize });
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
    if (!this.#hooks.attaching()) {
      conn.close();
      return;
    }
    this.#runCleanups();
    this.#hooks.opened(conn, how);
  }

  #fail(error: Error): void {
    if (!this.#hooks.attaching()) return;
    this.#runCleanups();
    this.#hooks.failed(error);
  }

  #runCleanups(): void {
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) cleanup();
  }
}

/** A fresh end closed without being used: the other end sees end of stream when it is used. */
export function tellRendezvousClosed(end: EndInit): void {
  if (end.local !== null) {
    end.local.close(end.side);
    return;
  }
  const { address, id } = end.remote!;
  HostLink.to(address)
    .request(id, 'close', [end.side])
    .catch(() => {
      // The creator is gone: the other end finds out when it tries to attach.
    });
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

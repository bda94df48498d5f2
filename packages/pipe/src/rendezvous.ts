import { getLogger } from '@multiproc/logging';
import { Host, type HostedObject, MultiprocError, type Peer, type RequestContext } from '@multiproc/wire';

/** Which end of a pipe: 0 is the first end `Pipe()` returns, 1 the second. */
export type Side = 0 | 1;

/** What an end is told when it asks to attach. */
export type AttachReply =
  /** The other end has not been used yet: it will connect to you (your `expectAttach` token). */
  | { wait: true }
  /** The other end is waiting: connect to its host and present its token. */
  | { connect: string; token: string }
  /** The other end was closed, or its process exited, before it was ever used. */
  | { gone: true };

/** Told to an end that was told to wait. */
export type WaitNotice = 'connecting' | 'gone';

/** The push event a remote waiting end receives: `[side, notice]`. */
export const NOTICE_EVENT = 'pipe';

interface Waiting {
  side: Side;
  address: string;
  token: string;
  notify: (notice: WaitNotice) => void;
  peer: Peer | null;
}

type SideState = 'unused' | 'waiting' | 'done';

/**
 * The creator's part of a Pipe: it introduces the two ends and nothing more.
 * The first end to be used is told to wait for a connection on its own host;
 * the second is told where the first is, connects there directly, and from
 * then on the creator is out of the data path and forgets the pipe.
 */
export class Rendezvous implements HostedObject {
  readonly #sides: [SideState, SideState] = ['unused', 'unused'];
  #waiting: Waiting | null = null;
  #registered: { host: Host; id: number } | null = null;

  /** Where remote ends reach this rendezvous; registers it with this process's host on first call. */
  locate(): { address: string; id: number } {
    if (this.#registered === null) {
      const host = Host.current();
      this.#registered = { host, id: host.register(this) };
    }
    return { address: this.#registered.host.address, id: this.#registered.id };
  }

  attach(
    side: Side,
    address: string,
    token: string,
    notify: Waiting['notify'],
    peer: Peer | null,
  ): AttachReply {
    if (this.#sides[side] !== 'unused') {
      throw new MultiprocError(
        'this pipe end is already in use by another holder: an end can be passed on only before it is used, and used in one process',
        'ERR_PIPE_END_IN_USE',
      );
    }
    const other = (1 - side) as Side;
    const waiting = this.#waiting;
    if (waiting !== null && waiting.side === other) {
      this.#waiting = null;
      this.#sides[side] = 'done';
      this.#sides[other] = 'done';
      this.#forgetIfDone();
      waiting.notify('connecting');
      getLogger().subdebug('pipe %s: end %d connects to end %d', this.#name(), side, other);
      return { connect: waiting.address, token: waiting.token };
    }
    if (this.#sides[other] === 'done') {
      // The other end was closed or its process exited before it was used.
      this.#sides[side] = 'done';
      this.#forgetIfDone();
      return { gone: true };
    }
    this.#sides[side] = 'waiting';
    this.#waiting = { side, address, token, notify, peer };
    getLogger().subdebug('pipe %s: end %d waits for its peer', this.#name(), side);
    return { wait: true };
  }

  /** An end was closed before it was used (or its waiting holder went away): the other end sees end of stream. */
  close(side: Side): void {
    if (this.#sides[side] === 'done') return;
    if (this.#waiting?.side === side) this.#waiting = null;
    this.#sides[side] = 'done';
    getLogger().subdebug('pipe %s: end %d closed before it was used', this.#name(), side);
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      this.#sides[waiting.side] = 'done';
      waiting.notify('gone');
    }
    this.#forgetIfDone();
  }

  handle(op: string, args: unknown[], ctx: RequestContext): unknown {
    const side = args[0];
    if (side !== 0 && side !== 1) throw new MultiprocError('malformed pipe request', 'ERR_PROTOCOL');
    if (op === 'attach') {
      const [, address, token] = args;
      if (typeof address !== 'string' || typeof token !== 'string') {
        throw new MultiprocError('malformed pipe request', 'ERR_PROTOCOL');
      }
      const id = this.#registered?.id ?? 0;
      const notify = (notice: WaitNotice) => ctx.peer.push(id, NOTICE_EVENT, [side, notice]);
      return this.attach(side, address, token, notify, ctx.peer);
    }
    if (op === 'close') {
      this.close(side);
      return null;
    }
    throw new MultiprocError(`unknown Pipe operation '${op}'`, 'ERR_PROTOCOL');
  }

  /** The process holding the waiting end exited before the other end came: that end is gone. */
  peerGone(peer: Peer): void {
    if (this.#waiting !== null && this.#waiting.peer === peer) this.close(this.#waiting.side);
  }

  #name(): string {
    return this.#registered === null ? 'local' : String(this.#registered.id);
  }

  #forgetIfDone(): void {
    if (this.#sides[0] !== 'done' || this.#sides[1] !== 'done' || this.#registered === null) return;
    this.#registered.host.unregister(this.#registered.id);
  }
}

import { type HostedObject, MultiprocError, type Peer, type RequestContext } from '@multiproc/wire';

/** Someone waiting for the flag: a local wait (`peer` null) or a remote process's request. */
type Waiter = { wake: () => void; peer: Peer | null };

/**
 * The flag itself and the waiters on it. Lives in the process that created
 * the Event; other processes reach it through that process's host.
 */
export class EventState implements HostedObject {
  #flag = false;
  #waiters = new Set<Waiter>();
  /** Processes whose link to this host has ended. */
  #gone = new WeakSet<Peer>();

  get flag(): boolean {
    return this.#flag;
  }

  /** Sets the flag and wakes every waiter, local or remote. Idempotent. */
  set(): void {
    if (this.#flag) return;
    this.#flag = true;
    if (this.#waiters.size === 0) return;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const waiter of waiters) waiter.wake();
  }

  clear(): void {
    this.#flag = false;
  }

  /** Calls `wake` once when the flag is next set; returns the canceller. */
  onSet(wake: () => void, peer: Peer | null = null): () => void {
    const waiter = { wake, peer };
    this.#waiters.add(waiter);
    return () => this.#waiters.delete(waiter);
  }

  /** HostedObject: the operations a proxy in another process sends. */
  handle(op: string, _args: unknown[], ctx: RequestContext): unknown {
    switch (op) {
      case 'set':
        this.set();
        return null;
      case 'clear':
        this.clear();
        return null;
      case 'isSet':
        return this.#flag;
      case 'wait':
        return this.#remoteWait(ctx);
      case 'waitUntilSet':
        return this.#flag || new Promise<boolean>((resolve) => this.onSet(() => resolve(true), ctx.peer));
      default:
        throw new MultiprocError(`unknown Event operation '${op}'`, 'ERR_PROTOCOL');
    }
  }

  peerGone(peer: Peer): void {
    this.#gone.add(peer);
    // Its 'waitUntilSet' requests: nobody is left to answer (its cancellable waits went on abort).
    for (const waiter of this.#waiters) if (waiter.peer === peer) this.#waiters.delete(waiter);
  }

  /**
   * A remote waiter with a timeout or signal: the reply is sent when the flag
   * is set. The proxy keeps the timeout; when it gives up (timeout, abort) or
   * its process goes away, the request's signal aborts and the waiter is
   * dropped here. A wait that only a set can end is 'waitUntilSet' instead,
   * which saves the abort listener (EventTarget) on every wait.
   */
  #remoteWait({ signal, peer }: RequestContext): boolean | Promise<boolean> {
    if (this.#flag) return true;
    if (signal?.aborted) return false;
    return new Promise<boolean>((resolve) => {
      const onAbort = () => {
        cancel();
        // The host aborts a dead peer's requests and then calls peerGone in the same turn. Such a
        // request is left unanswered: there is no one to answer, and replying to a closed link
        // throws inside the host.
        queueMicrotask(() => {
          if (!this.#gone.has(peer)) resolve(false);
        });
      };
      const cancel = this.onSet(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

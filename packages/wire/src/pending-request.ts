import type { Peer, RequestContext } from './peer.js';

/**
 * A request a host is serving, and the context its handler gets. The
 * AbortSignal is made only when the handler reads `signal` (most never do:
 * an AbortController per request was a measurable share of a round trip); a
 * CANCEL, or the peer going away, before that makes it start out aborted.
 */
export class PendingRequest implements RequestContext {
  #controller: AbortController | null = null;
  #aborted = false;

  constructor(readonly peer: Peer) {}

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  abort(): void {
    this.#aborted = true;
    this.#controller?.abort();
  }
}

import type { Peer } from '@multiproc/wire';

/** The push a proxy answers with a `synced` cast (QueueProxy does). */
export const SYNC_EVENT = 'sync';
export const SYNCED_OP = 'synced';

type Round = { waiting: Set<Peer>; resolve: () => void };

/**
 * Remote puts are casts: when one resolves in the producer, the owner may not
 * have read it yet. A sync round pushes a token to every producer process;
 * each answers on the same connection, so its answer arrives after every put
 * it sent before. When all have answered (or gone), every put that had
 * resolved anywhere has been counted here: JoinableQueue.join() needs that
 * to mean what Python's means.
 */
export class ProducerSync {
  readonly #producers = new Set<Peer>();
  readonly #rounds = new Map<number, Round>();
  #last: Peer | null = null;
  #seq = 0;

  /** Note a peer that put something. */
  add(peer: Peer): void {
    if (peer === this.#last) return;
    this.#last = peer;
    this.#producers.add(peer);
  }

  /** Resolves once every known producer has answered a sync push for `objectId`. */
  async sync(objectId: number | undefined): Promise<void> {
    if (this.#producers.size === 0 || objectId === undefined) return;
    // Let this poll phase read what has already arrived first: writing to a peer
    // that has exited makes the socket fail and drop its unread data (see README).
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#producers.size === 0) return;
    const token = ++this.#seq;
    return new Promise((resolve) => {
      const round: Round = { waiting: new Set(this.#producers), resolve };
      this.#rounds.set(token, round);
      for (const peer of round.waiting) peer.push(objectId, SYNC_EVENT, token);
    });
  }

  /** A producer answered. */
  synced(peer: Peer, token: unknown): void {
    const round = this.#rounds.get(token as number);
    if (round) this.#settle(token as number, round, peer);
  }

  peerGone(peer: Peer): void {
    this.#producers.delete(peer);
    if (this.#last === peer) this.#last = null;
    for (const [token, round] of this.#rounds) this.#settle(token, round, peer);
  }

  #settle(token: number, round: Round, peer: Peer): void {
    round.waiting.delete(peer);
    if (round.waiting.size > 0) return;
    this.#rounds.delete(token);
    round.resolve();
  }
}

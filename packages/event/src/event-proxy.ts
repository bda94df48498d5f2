import { getLogger } from '@multiproc/logging';
import { HostLink, type RemoteErrorInfo, type WaitOptions, waitWithDeadline } from '@multiproc/wire';

/**
 * An Event owned by another process, reached over this process's one link to
 * the owner's host. `set` and `clear` are casts: they travel in order with
 * every other message of this process to that owner, so a `wait` or `isSet`
 * issued after them is answered after they were applied, and a `clear(); set();
 * wait()` costs one socket write instead of three round trips. Until the
 * owner has answered one request about this Event (from any proxy of it in
 * this process), set/clear are requests too, so a link that cannot be made or
 * an id the owner does not serve fails the call, and casts only go over a
 * link known to be up.
 */
export class EventProxy {
  readonly address: string;
  readonly id: number;
  #link: HostLink | null = null;
  #confirmed = false;

  constructor(address: string, id: number) {
    this.address = address;
    this.id = id;
  }

  /**
   * Kept once made: after the owner is gone this link stays failed, so every
   * later call rejects at once instead of reconnecting to a reused address.
   */
  get link(): HostLink {
    if (this.#link === null) {
      this.#link = HostLink.to(this.address);
      watchErrors(this.#link, this.id);
    }
    return this.#link;
  }

  /** `set` or `clear`: resolves once sent (see the class comment), rejects if the owner is gone. */
  update(op: 'set' | 'clear'): Promise<void> {
    const link = this.link;
    // Another proxy of this Event here (decoded again, say for the next Pool task) may have confirmed it.
    if (!this.#confirmed) this.#confirmed = confirmed.get(link)?.has(this.id) === true;
    if (!this.#confirmed) {
      return link
        .request(this.id, op, [])
        .then(this.#confirm)
        .then(() => undefined);
    }
    try {
      link.cast(this.id, op, []);
    } catch (error) {
      return Promise.reject(error);
    }
    return link.drain();
  }

  isSet(): Promise<boolean> {
    return this.link.request(this.id, 'isSet', []).then(this.#confirm) as Promise<boolean>;
  }

  /** One request, answered by the owner when the flag is set. */
  wait(options: WaitOptions): Promise<boolean> {
    const link = this.link;
    // No deadline and no signal: nothing here can cancel it, so the owner needs no abort
    // listener for it ('waitUntilSet') and this side needs no controller or timer.
    if (options.timeout === undefined && options.signal === undefined) {
      const woken = link.request(this.id, 'waitUntilSet', []) as Promise<boolean>; // only ever `true`
      return this.#confirmed ? woken : woken.then(this.#confirmWoken);
    }
    const cancel = new AbortController();
    // On timeout or abort the request is cancelled, which drops the waiter at the owner.
    return waitWithDeadline<boolean>(
      options,
      (resolve, reject) => {
        link.request(this.id, 'wait', [], cancel.signal).then(this.#confirmWoken).then(resolve, reject);
        return () => cancel.abort();
      },
      () => false,
    );
  }

  /** Any answer proves the link is up and the owner serves this id, for every proxy of it here. */
  readonly #confirm = <T>(value: T): T => {
    if (!this.#confirmed) {
      this.#confirmed = true;
      confirmed.get(this.#link!)?.add(this.id);
    }
    return value;
  };

  readonly #confirmWoken = (value: unknown): boolean => this.#confirm(value) === true;
}

/** Event ids whose error pushes are logged, per link (one listener each, however many proxies). */
const watched = new WeakMap<HostLink, Set<number>>();
/** Event ids the owner has answered a request for, per link: their set/clear can be casts. */
const confirmed = new WeakMap<HostLink, Set<number>>();

/**
 * A cast the owner could not apply comes back as an 'error' push: say so, it has no caller.
 * Subscribed once per link and id: an Event decoded again for every Pool task must not add a
 * listener each time.
 */
function watchErrors(link: HostLink, id: number): void {
  let ids = watched.get(link);
  if (ids === undefined) {
    watched.set(link, (ids = new Set()));
    confirmed.set(link, new Set());
  }
  if (ids.has(id)) return;
  ids.add(id);
  link.subscribe(id, (event, value) => {
    if (event !== 'error') return;
    const info = value as RemoteErrorInfo;
    getLogger().warning('an operation on Event %d failed at its owner: %s', id, info?.message);
  });
}

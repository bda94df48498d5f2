import type { Peer } from '@multiproc/wire';

/** A `get` waiting at the owner: a local call (credit 1) or a remote proxy's request. */
export interface GetWaiter<T> {
  readonly credit: number;
  /** The requesting peer; `null` for the owner's own `get`. */
  readonly peer: Peer | null;
  /** Set when an item is handed over; the reply goes out at the end of the tick, topped up to `credit`. */
  items: T[] | null;
  cancelled: boolean;
  resolve(items: T[]): void;
  reject(error: unknown): void;
}

/** A `put` waiting for room in a bounded queue. */
export interface PutWaiter<T> {
  readonly item: T;
  resolve(): void;
  reject(error: unknown): void;
}

import { CAST, CASTS, CASTS1 } from './messages.js';

/** At most this many casts in one CASTS/CASTS1 message (bounds the batch a tight loop builds). */
const MAX_CASTS = 4096;

type Batch = { objectId: number; op: string; single: boolean; list: unknown[] };

/**
 * Holds back consecutive casts of one tick to the same object and op, and
 * sends them as one CASTS message (or CASTS1, a flat list, when each cast has
 * exactly one argument): the host decodes and dispatches once per batch, not
 * per item. Only primitive arguments (which always encode and cannot change)
 * are held back, so an unencodable value still fails in the caller's cast.
 * The owner must `flush()` before sending anything else, to keep FIFO order.
 */
export class CastBatcher {
  readonly #send: (message: unknown[]) => void;
  #batch: Batch | null = null;
  #scheduled = false;

  constructor(send: (message: unknown[]) => void) {
    this.#send = send;
  }

  get pending(): boolean {
    return this.#batch !== null;
  }

  /** Holds the cast back and returns true, or returns false (the caller sends it now). */
  add(objectId: number, op: string, args: unknown[]): boolean {
    if (!isPlainArgs(args)) return false;
    const single = args.length === 1;
    const item = single ? args[0] : args;
    const batch = this.#batch;
    if (batch !== null && batch.objectId === objectId && batch.op === op && batch.single === single) {
      batch.list.push(item);
      if (batch.list.length >= MAX_CASTS) this.flush();
      return true;
    }
    this.flush();
    this.#batch = { objectId, op, single, list: [item] };
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#onTick);
    }
    return true;
  }

  /** Sends what is held back (throws what the send throws). */
  flush(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    const { objectId, op, single, list } = batch;
    if (list.length === 1) this.#send([CAST, objectId, op, single ? [list[0]] : list[0]]);
    else this.#send([single ? CASTS1 : CASTS, objectId, op, list]);
  }

  /** Drops what is held back (the link failed). */
  clear(): void {
    this.#batch = null;
  }

  readonly #onTick = (): void => {
    this.#scheduled = false;
    try {
      this.flush();
    } catch {
      // The link failed meanwhile: its close handler settles everything.
    }
  };
}

/**
 * Arguments that can wait until the end of the tick: immutable primitives only, which always
 * encode and cannot change after the call. Objects and byte arrays are encoded at once (the
 * caller may mutate or reuse them as soon as cast() returns).
 */
function isPlainArgs(args: unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    const t = typeof v;
    if (t !== 'number' && t !== 'string' && t !== 'boolean' && v != null) return false;
  }
  return true;
}

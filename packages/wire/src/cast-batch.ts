import { encodeValue } from './codec.js';
import { flushed, holdUntilFlushed } from './exit-flush.js';
import { CAST, CASTS, CASTS1 } from './messages.js';
import type { EncodedPart } from './pre-encoded.js';

/**
 * At most this many casts in one CASTS/CASTS1 message. A loop that casts
 * without ending its tick (`for (...) await q.put(x)` resolves each put at
 * once) reaches this bound, and the batch then goes to the socket at once:
 * the peer starts on it while the loop goes on, instead of getting the
 * whole loop's casts in one burst at its end.
 */
const MAX_CASTS = 1024;

/** An encoded batch is sent once its parts reach this many bytes. */
const MAX_ENCODED_BYTES = 1024 * 1024;

/** plain: primitive args, encoded when sent. single: the same, one argument each. encoded: args encoded when cast. */
type Kind = 'plain' | 'single' | 'encoded';
type Batch = { objectId: number; op: string; kind: Kind; list: unknown[]; bytes: number };

/** What a batcher sends through: the link's connection. */
export interface CastSink {
  send(message: unknown[]): void;
  encodePart(value: unknown, beforeReset: () => void): EncodedPart;
  sendParts(parts: Buffer[], modules: Set<string> | null): void;
  /** Hands what was sent this tick to the socket now, not at the end of the tick. */
  writeOut(): void;
}

/**
 * Holds back consecutive casts of one tick to the same object and op, and
 * sends them as one CASTS message (or CASTS1, a flat list, when each cast has
 * exactly one argument): the host decodes and dispatches once per batch, not
 * per item. Primitive arguments (which always encode and cannot change) are
 * held as they are; any other arguments are encoded at once, with the
 * connection's codec, into the batch: an unencodable value still fails in the
 * caller's cast, and a later change to it is not sent. The owner must
 * `flush()` before sending anything else, to keep FIFO order.
 */
export class CastBatcher {
  readonly #sink: CastSink;
  #batch: Batch | null = null;
  #scheduled = false;

  constructor(sink: CastSink) {
    this.#sink = sink;
  }

  get pending(): boolean {
    return this.#batch !== null;
  }

  /** Holds the cast back (or sends it, encoded, at once when it needs handle modules). */
  add(objectId: number, op: string, args: unknown[]): void {
    const kind: Kind = !isPlainArgs(args) ? 'encoded' : args.length === 1 ? 'single' : 'plain';
    let batch = this.#batch;
    if (batch === null || batch.objectId !== objectId || batch.op !== op || batch.kind !== kind) {
      // First the older batch: an encoded batch's parts must reach the peer before anything encoded later.
      this.flush();
      batch = null;
    }
    let item: unknown = kind === 'single' ? args[0] : args;
    let spilled = 0;
    if (kind === 'encoded') {
      const part = this.#sink.encodePart(args, () => this.flush());
      if (part.modules !== null) {
        // The peer must import modules first: this cast goes alone, after the control frame.
        this.flush();
        this.#sink.sendParts([prefix(CAST, objectId, op), part.bytes], part.modules);
        return;
      }
      item = part.bytes;
      spilled = part.spilled;
    }
    if (batch === null) {
      batch = this.#batch = { objectId, op, kind, list: [], bytes: 0 };
      // A process.exit() later in this tick still sends it.
      holdUntilFlushed(0, this);
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#onTick);
      }
    }
    batch.list.push(item);
    // Payloads sent as files count too: the peer starts reading them while this loop goes on.
    if (kind === 'encoded') batch.bytes += (item as Buffer).length + spilled;
    if (batch.list.length >= MAX_CASTS || batch.bytes >= MAX_ENCODED_BYTES) {
      this.flush();
      this.#sink.writeOut();
    }
  }

  /** Sends what is held back (throws what the send throws). */
  flush(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    flushed(0, this);
    const { objectId, op, kind, list } = batch;
    if (kind === 'encoded') {
      const parts = list as Buffer[];
      if (parts.length === 1) this.#sink.sendParts([prefix(CAST, objectId, op), parts[0]!], null);
      else this.#sink.sendParts([prefix(CASTS, objectId, op), arrayHeader(parts.length), ...parts], null);
    } else if (list.length === 1) {
      this.#sink.send([CAST, objectId, op, kind === 'single' ? [list[0]] : list[0]]);
    } else {
      this.#sink.send([kind === 'single' ? CASTS1 : CASTS, objectId, op, list]);
    }
  }

  /** Drops what is held back (the link failed). */
  clear(): void {
    this.#batch = null;
    flushed(0, this);
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

/** The start of `[type, objectId, op, <4th element>]`: plain msgpack, no record state involved. */
function prefix(type: number, objectId: number, op: string): Buffer {
  const whole = encodeValue([type, objectId, op, 0]);
  return whole.subarray(0, whole.length - 1); // drop the placeholder 0
}

/** A msgpack array header for `n` elements (what follows are the elements' encodings). */
function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  const b = Buffer.allocUnsafe(n < 0x10000 ? 3 : 5);
  if (n < 0x10000) {
    b[0] = 0xdc;
    b.writeUInt16BE(n, 1);
  } else {
    b[0] = 0xdd;
    b.writeUInt32BE(n, 1);
  }
  return b;
}

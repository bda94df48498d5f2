import { addExtension, type Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE, type Unpackr } from 'msgpackr';
import {
  asEncodeError,
  errorExtension,
  HANDLE_EXT,
  makePackr,
  makeUnpackr,
  socketExtensions,
} from './codec-config.js';
import { EncodeError, InvalidArgumentError, type MultiprocError } from './errors.js';
import { type HandleRef, reviverFor, toHandle } from './handle-registry.js';
import { takeBuffer } from './recycled-buffers.js';
import { SharedObject } from './shared-object.js';
import { NOT_SMALL_INT, packSmallInt, smallIntScratch, unpackSmallInt } from './small-ints.js';
import { beginEncode, decoding, endEncode, spilledByLastEncode } from './spill-extension.js';
import { markHoldsSpilled } from './spilled-values.js';

/*
 * The codec: `Encoder`/`Decoder` (one direction of a connection's record state), the stateless
 * `encodeValue`/`decodeValue`, and the handle extension, which shares per-encode and per-decode
 * state with them. The msgpackr options and the other extensions are in codec-config.ts.
 */

/** Module URLs of handle kinds written during the current encode: the receiver imports them first. */
let modulesSeen: Set<string> | null = null;

addExtension({
  Class: SharedObject,
  type: HANDLE_EXT,
  write(obj: SharedObject) {
    const ref = obj[toHandle]();
    if (ref.module) (modulesSeen ??= new Set()).add(ref.module);
    return [ref.kind, ref.module ?? null, ref.address, ref.id, ref.data ?? null];
  },
  read([kind, module, address, id, data]: [string, string | null, string, number, unknown]) {
    const ref: HandleRef = { kind, address, id, data: data ?? undefined, module: module ?? undefined };
    const revive = reviverFor(kind);
    // Never throw here: msgpackr would stop mid-message, and record shapes defined later in it would
    // never reach this side's decoder, corrupting every following message. Decoder.decode throws
    // the failure once the whole message is read.
    if (revive === undefined) {
      revivalFailure ??= new EncodeError(
        `received a '${kind}' handle but no module in this process registered that kind (import ${module ?? 'its package'})`,
      );
      return undefined;
    }
    try {
      return revive(ref);
    } catch (error) {
      revivalFailure ??=
        error instanceof EncodeError
          ? error
          : new EncodeError(`cannot revive a '${kind}' handle: ${(error as Error)?.message ?? error}`, {
              cause: error,
            });
      return undefined;
    }
  },
} as any);

/** The first handle that could not be revived during the current decode. */
let revivalFailure: EncodeError | null = null;

/**
 * Thrown by `Decoder.decode` when a message was read completely but a handle in it could not be
 * revived (EncodeError) or a payload file in it could not be read (ERR_PAYLOAD_LOST). `partial`
 * is the message with `undefined` in their place, so a host can still see which request it answers.
 */
export type RevivalError = MultiprocError & { readonly partial: unknown };

addExtension(errorExtension);
for (const extension of socketExtensions) addExtension(extension);

export interface EncodeResult {
  bytes: Buffer;
  /** Modules that must be imported before the bytes can be decoded. */
  modules: Set<string> | null;
}

/** One direction of a connection's codec state. */
export class Encoder {
  #packr: Packr;
  readonly #records: boolean;
  /** Large Buffers may travel as payload files (the peer is in this process tree: spill-dir.ts). */
  spill = false;
  /** The largest message, payload files included, a spilling encode may produce. */
  maxSize = Number.POSITIVE_INFINITY;

  constructor(records = true) {
    this.#records = records;
    this.#packr = makePackr(records);
  }

  /**
   * Encode into a buffer that is only valid until the next encode by any
   * encoder (msgpackr shares it): the caller copies it before encoding again. Throws EncodeError for values that
   * cannot travel; the record state is then reset, so `onReset` must tell the
   * peer (see Connection).
   */
  encode(value: unknown): EncodeResult {
    const target = this.encodeShared(value);
    return { bytes: target.subarray(this.lastStart, this.lastEnd), modules: this.lastModules };
  }

  /** Where the last `encodeShared` put the message in the buffer it returned, and its handle modules. */
  lastStart = 0;
  lastEnd = 0;
  lastModules: Set<string> | null = null;
  /** Whether the last message's buffer now belongs to the caller (msgpackr will never write to it again). */
  lastOwned = false;

  /**
   * As `encode()`, without making a view: returns msgpackr's shared buffer,
   * the message being `[lastStart, lastEnd)` of it (valid until the next encode).
   */
  encodeShared(value: unknown): Buffer {
    if (typeof value === 'number') {
      const length = packSmallInt(value);
      if (length > 0) {
        this.lastStart = 0;
        this.lastEnd = length;
        this.lastModules = null;
        this.lastOwned = false;
        return smallIntScratch;
      }
    }
    modulesSeen = null;
    beginEncode(this.spill);
    let ok = false;
    try {
      // Reuse msgpackr's buffer instead of allocating per value: about 2x faster for small values.
      const target = this.#packr.pack(value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as Buffer & {
        start: number;
        end: number;
      };
      // A message with structured-clone ids comes back without start/end, as a view of the whole
      // message: a view into msgpackr's buffer all the same (its ids were inserted in place).
      const view = target.start === undefined;
      this.lastStart = view ? 0 : target.start;
      this.lastEnd = view ? target.length : target.end;
      const spilled = spilledByLastEncode();
      if (spilled > 0 && this.lastEnd - this.lastStart + spilled > this.maxSize) {
        throw new InvalidArgumentError(
          `message of ${this.lastEnd - this.lastStart + spilled} bytes exceeds maxFrameSize ${this.maxSize}`,
        );
      }
      ok = true;
      this.lastModules = modulesSeen;
      this.lastOwned = false;
      if (this.lastEnd - this.lastStart >= LARGE_MESSAGE) {
        // A large message keeps its bytes: msgpackr moves on to another buffer (sized for another
        // one like it; reused once written, recycled-buffers.ts), so the writer can hand these to
        // the socket without copying them again.
        this.#packr.useBuffer(takeBuffer(this.lastEnd - this.lastStart + 8192));
        this.lastOwned = true;
      }
      return target;
    } catch (error) {
      this.#packr = makePackr(this.#records);
      throw error instanceof InvalidArgumentError ? error : asEncodeError(error);
    } finally {
      endEncode(ok);
      modulesSeen = null;
    }
  }

  reset(): void {
    this.#packr = makePackr(this.#records);
  }
}

/** Messages at least this large are handed over by `encodeShared` instead of copied (see `lastOwned`). */
export const LARGE_MESSAGE = 32 * 1024;

/** Reused range argument for msgpackr's unpack (read before unpack reads anything else). */
const RANGE = { start: 0, end: 0 };

/** A message of a batch that was read completely but holds a handle this process cannot revive. */
export class Undecodable {
  readonly error: RevivalError;
  constructor(error: RevivalError) {
    this.error = error;
  }
}

export class Decoder {
  #unpackr: Unpackr;
  readonly #records: boolean;
  /** Payload file names are accepted (the peer is in this process tree: spill-dir.ts). */
  acceptSpilled = false;
  /** Payload files arrive as SpilledBytes instead of being read (a host that may pass them on). */
  keepSpilled = false;
  /** Payload bytes received and not yet acknowledged to the peer (Connection sends `spill-ack`). */
  spilledReceived = 0;

  constructor(records = true) {
    this.#records = records;
    this.#unpackr = makeUnpackr(records);
  }

  /** Throws a RevivalError (an EncodeError) for a handle that cannot be revived; the state stays in sync. */
  decode(bytes: Uint8Array): unknown {
    return this.decodeRange(bytes, 0, bytes.length);
  }

  /** As `decode()`, for the message at `source[start, end)`: no view is made. */
  decodeRange(source: Uint8Array, start: number, end: number): unknown {
    // msgpackr reads `end || length`: an empty message must not read the rest of the chunk.
    if (end <= start) throw new Error('empty message');
    if (end - start <= 5) {
      const int = unpackSmallInt(source, start, end);
      if (int !== NOT_SMALL_INT) return int;
    }
    const outer = revivalFailure;
    enterDecode(this.acceptSpilled, this.keepSpilled);
    revivalFailure = null;
    try {
      RANGE.start = start;
      RANGE.end = end;
      const value = this.#unpackr.unpack(source, RANGE);
      const failure = revivalFailure ?? decoding.failure;
      if (failure !== null) throw Object.defineProperty(failure, 'partial', { value, enumerable: false });
      if (decoding.kept > 0) markHoldsSpilled(value);
      return value;
    } finally {
      revivalFailure = outer;
      decoding.keep = false;
      this.spilledReceived += decoding.bytes;
    }
  }

  /**
   * Every message of a batch frame, `source[start, end)`, in one pass. A
   * message holding a handle that cannot be revived is an `Undecodable` in
   * the list (the others are unaffected). A malformed batch throws, with
   * the messages decoded before the fault in the error's `decoded`.
   */
  decodeBatch(source: Buffer, start: number, end: number): unknown[] {
    if (end <= start) throw new Error('empty batch');
    const out: unknown[] = [];
    const outer = revivalFailure;
    enterDecode(this.acceptSpilled, this.keepSpilled);
    revivalFailure = null;
    try {
      this.#unpackr.unpackMultiple(source.subarray(start, end), (value: unknown) => {
        const failure = revivalFailure ?? decoding.failure;
        if (failure === null) {
          if (decoding.kept > 0) markHoldsSpilled(value);
          out.push(value);
        } else {
          Object.defineProperty(failure, 'partial', { value, enumerable: false });
          out.push(new Undecodable(failure as RevivalError));
          revivalFailure = null;
          decoding.failure = null;
        }
        decoding.kept = 0;
      });
      return out;
    } catch (error) {
      throw Object.assign(error as Error, { decoded: out });
    } finally {
      revivalFailure = outer;
      decoding.keep = false;
      this.spilledReceived += decoding.bytes;
    }
  }

  reset(): void {
    this.#unpackr = makeUnpackr(this.#records);
  }
}

/** A decode's spill state (decodes never nest: extensions do not decode through a Decoder). */
function enterDecode(accept: boolean, keep: boolean): void {
  decoding.accept = accept;
  decoding.keep = keep;
  decoding.kept = 0;
  decoding.bytes = 0;
  decoding.failure = null;
}

const stateless = new Encoder(false);
const statelessDecoder = new Decoder(false);

/** Encode a standalone value (no per-connection record state); returns a copy. */
export function encodeValue(value: unknown): Buffer {
  return Buffer.from(stateless.encode(value).bytes);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return statelessDecoder.decode(bytes);
}

export function encodeValueWithModules(value: unknown): EncodeResult {
  const { bytes, modules } = stateless.encode(value);
  return { bytes: Buffer.from(bytes), modules };
}

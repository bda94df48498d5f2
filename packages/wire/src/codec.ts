import net from 'node:net';
import { addExtension, Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE, Unpackr } from 'msgpackr';
import { errorToInfo } from './error-codec.js';
import { EncodeError, type RemoteErrorInfo } from './errors.js';
import { type HandleRef, reviverFor, toHandle } from './handle-registry.js';
import { SharedObject } from './shared-object.js';
import { packSmallInt, smallIntScratch } from './small-ints.js';

/**
 * The one msgpackr configuration every package shares. Structured clone keeps
 * cycles and shared references; records shrink repeated object shapes, and in
 * sequential mode a record's definition travels inline the first time it is
 * used on a connection, so each Connection owns one Packr/Unpackr pair.
 */
const BASE_OPTIONS = {
  structuredClone: true,
  moreTypes: true,
  useBigIntExtension: true,
  int64AsType: 'bigint',
  // Objects travel as records, so msgpack maps are free to mean Map.
  mapsAsObjects: false,
  useRecords: true,
  writeFunction: rejectFunction,
} as const;

const HANDLE_EXT = 0x01;
const ERROR_EXT = 0x02;
const REJECT_EXT = 0x03;

function rejectFunction(fn: unknown): never {
  const name = typeof fn === 'function' && fn.name ? ` '${fn.name}'` : '';
  throw new EncodeError(
    `cannot send function${name} to another process: pass a task() reference or plain data instead`,
  );
}

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
 * revived. `partial` is the message with `undefined` in place of those handles, so a host can
 * still see which request it answers.
 */
export type RevivalError = EncodeError & { readonly partial: unknown };

addExtension({
  Class: Error,
  type: ERROR_EXT,
  write(error: Error) {
    return errorToInfo(error);
  },
  read(info: RemoteErrorInfo) {
    return infoToPlainError(info);
  },
} as any);

// Sockets and servers only cross as OS handles (Process arguments), never inside data.
for (const Class of [net.Socket, net.Server]) {
  addExtension({
    Class,
    type: REJECT_EXT,
    write(value: unknown) {
      const what = value instanceof net.Server ? 'net.Server' : 'net.Socket';
      throw new EncodeError(
        `cannot encode a ${what}: sockets and servers can only be passed as Process arguments, where they are handed over as OS handles`,
      );
    },
    read() {
      return undefined;
    },
  } as any);
}

function infoToPlainError(info: RemoteErrorInfo): Error {
  const error = new Error(
    info.message,
    info.cause !== undefined ? { cause: rebuildCause(info.cause) } : undefined,
  );
  error.name = info.name;
  if (info.stack !== undefined) error.stack = info.stack;
  for (const [key, value] of Object.entries(info)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack' && key !== 'cause') {
      (error as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return error;
}

function rebuildCause(cause: unknown): unknown {
  if (cause && typeof cause === 'object' && 'message' in cause && 'name' in cause) {
    return infoToPlainError(cause as RemoteErrorInfo);
  }
  return cause;
}

export interface EncodeResult {
  bytes: Buffer;
  /** Modules that must be imported before the bytes can be decoded. */
  modules: Set<string> | null;
}

/** One direction of a connection's codec state. */
export class Encoder {
  #packr: Packr;
  readonly #records: boolean;

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
    try {
      // Reuse msgpackr's buffer instead of allocating per value: about 2x faster for small values.
      const target = this.#packr.pack(value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as Buffer & {
        start: number;
        end: number;
      };
      // A message with structured-clone ids comes back as a fresh buffer of its own, without start/end.
      const own = target.start === undefined;
      this.lastStart = own ? 0 : target.start;
      this.lastEnd = own ? target.length : target.end;
      this.lastModules = modulesSeen;
      this.lastOwned = own;
      if (!own && target.end - target.start >= LARGE_MESSAGE) {
        // A large message keeps its bytes: msgpackr moves on to a fresh buffer (sized for another
        // one like it), so the writer can hand these to the socket without copying them again.
        this.#packr.useBuffer(Buffer.allocUnsafe(target.end - target.start + 8192));
        this.lastOwned = true;
      }
      return target;
    } catch (error) {
      this.#packr = makePackr(this.#records);
      throw asEncodeError(error);
    } finally {
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
    const outer = revivalFailure;
    revivalFailure = null;
    try {
      RANGE.start = start;
      RANGE.end = end;
      const value = this.#unpackr.unpack(source, RANGE);
      if (revivalFailure !== null) {
        throw Object.defineProperty(revivalFailure, 'partial', { value, enumerable: false });
      }
      return value;
    } finally {
      revivalFailure = outer;
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
    revivalFailure = null;
    try {
      this.#unpackr.unpackMultiple(source.subarray(start, end), (value: unknown) => {
        if (revivalFailure === null) out.push(value);
        else {
          const failure = Object.defineProperty(revivalFailure, 'partial', { value, enumerable: false });
          out.push(new Undecodable(failure as RevivalError));
          revivalFailure = null;
        }
      });
      return out;
    } catch (error) {
      throw Object.assign(error as Error, { decoded: out });
    } finally {
      revivalFailure = outer;
    }
  }

  reset(): void {
    this.#unpackr = makeUnpackr(this.#records);
  }
}

function makePackr(records: boolean): Packr {
  return new Packr({ ...BASE_OPTIONS, sequential: records } as any);
}

function makeUnpackr(records: boolean): Unpackr {
  return new Unpackr({ ...BASE_OPTIONS, sequential: records } as any);
}

function asEncodeError(error: unknown): EncodeError {
  if (error instanceof EncodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const hint = /Unknown type: symbol/.test(message) ? 'cannot send a symbol to another process' : message;
  return new EncodeError(`value cannot be sent to another process: ${hint}`, { cause: error });
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

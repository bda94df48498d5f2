import { type addExtension, Packr, Unpackr } from 'msgpackr';
import { errorToInfo } from './error-codec.js';
import { EncodeError, type RemoteErrorInfo } from './errors.js';

const { Server, Socket } = process.getBuiltinModule('node:net');

/**
 * How every codec is configured: the msgpackr options, the extension type
 * codes, and the extensions that keep no codec state (errors, sockets,
 * functions). The handle extension shares its state with `Encoder` and
 * `Decoder`, so it lives with them in codec.ts, which registers them all.
 */

export type Extension = Parameters<typeof addExtension>[0];

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

export const HANDLE_EXT = 0x01;
const ERROR_EXT = 0x02;
const REJECT_EXT = 0x03;

function rejectFunction(fn: unknown): never {
  const name = typeof fn === 'function' && fn.name ? ` '${fn.name}'` : '';
  throw new EncodeError(
    `cannot send function${name} to another process: pass a task() reference or plain data instead`,
  );
}

/** Errors travel as `RemoteErrorInfo` and arrive as plain `Error`s with the same fields. */
export const errorExtension: Extension = {
  Class: Error,
  type: ERROR_EXT,
  write(error: Error) {
    return errorToInfo(error);
  },
  read(info: RemoteErrorInfo) {
    return infoToPlainError(info);
  },
};

// Sockets and servers only cross as OS handles (Process arguments), never inside data.
export const socketExtensions: Extension[] = [Socket, Server].map((Class) => ({
  Class,
  type: REJECT_EXT,
  write(value: unknown) {
    const what = value instanceof Server ? 'net.Server' : 'net.Socket';
    throw new EncodeError(
      `cannot encode a ${what}: sockets and servers can only be passed as Process arguments, where they are handed over as OS handles`,
    );
  },
  read() {
    return undefined;
  },
}));

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

export function makePackr(records: boolean): Packr {
  return new Packr({ ...BASE_OPTIONS, sequential: records } as any);
}

export function makeUnpackr(records: boolean): Unpackr {
  return new Unpackr({ ...BASE_OPTIONS, sequential: records } as any);
}

/** What `Encoder` throws when msgpackr (or an extension) refuses a value. */
export function asEncodeError(error: unknown): EncodeError {
  if (error instanceof EncodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const hint = /Unknown type: symbol/.test(message) ? 'cannot send a symbol to another process' : message;
  return new EncodeError(`value cannot be sent to another process: ${hint}`, { cause: error });
}

import {
  AuthenticationError,
  ConnectionClosedError,
  EncodeError,
  InvalidArgumentError,
  MultiprocError,
  ProcessStateError,
  ProtocolError,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  RemoteError,
  type RemoteErrorInfo,
  TaskReferenceError,
  TimeoutError,
} from './errors.js';

const MAX_CAUSE_DEPTH = 8;

/**
 * Errors travel as plain data and are rebuilt as RemoteError, never as the
 * remote class: constructing arbitrary classes from the wire is how Python's
 * Pool result handler dies (gh-103061).
 */
export function errorToInfo(error: unknown, depth = 0): RemoteErrorInfo {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: String(error) };
  }
  const info: RemoteErrorInfo = { name: error.name, message: error.message };
  if (error.stack !== undefined) info.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') info.code = code;
  for (const key of ['exitCode', 'signal', 'errno', 'syscall', 'path'] as const) {
    const v = (error as unknown as Record<string, unknown>)[key];
    if (typeof v === 'string' || typeof v === 'number') info[key] = v;
  }
  if (error instanceof RemoteError) {
    info.remote = error.remote;
  }
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    info.cause = error.cause instanceof Error ? errorToInfo(error.cause, depth + 1) : safeCause(error.cause);
  }
  return info;
}

function safeCause(cause: unknown): unknown {
  const t = typeof cause;
  return t === 'string' || t === 'number' || t === 'boolean' || cause === null ? cause : String(cause);
}

/** multiproc's own errors keep their class across a host round trip; anything else is a RemoteError. */
const OWN: Record<string, new (message: string) => MultiprocError> = {
  AuthenticationError,
  ConnectionClosedError,
  EncodeError,
  InvalidArgumentError,
  ProcessStateError,
  ProtocolError,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  TaskReferenceError,
  TimeoutError,
};

export function infoToError(info: RemoteErrorInfo): MultiprocError {
  const Own = Object.hasOwn(OWN, info?.name) ? OWN[info.name] : undefined;
  if (Own !== undefined) return new Own(String(info.message));
  if (info?.name === 'MultiprocError' && typeof info.code === 'string') {
    return new MultiprocError(String(info.message), info.code);
  }
  return new RemoteError(info);
}

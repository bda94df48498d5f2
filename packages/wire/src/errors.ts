/**
 * Every multiproc module takes Node's builtins from `process.getBuiltinModule()`
 * (Node >= 20.16), not from `import ... from 'node:fs'`: an ES import of a
 * builtin builds a facade of all its exports, which runs every lazy getter
 * (fs loads its streams, net its BlockList, util its parseArgs and MIME
 * parser). In a spawned child those facades cost ~4 ms of a ~45 ms start.
 * This check sits here because errors.ts is the first module of every
 * multiproc graph (wire/core begins with it), so an older Node fails with this
 * message rather than "getBuiltinModule is not a function".
 */
if (typeof process.getBuiltinModule !== 'function') {
  throw new Error(
    `multiproc needs Node.js 20.16 or newer (process.getBuiltinModule); this is ${process.version}`,
  );
}

/**
 * Every error multiproc throws is a MultiprocError with a stable string `code`.
 * Subclasses exist so callers can `instanceof` them; the `code` is what to match
 * across package versions and across processes (it survives the wire).
 */
export class MultiprocError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_MULTIPROC', options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends MultiprocError {
  constructor(message: string) {
    super(message, 'ERR_INVALID_ARG');
  }
}

export class QueueEmptyError extends MultiprocError {
  constructor(message = 'queue is empty') {
    super(message, 'ERR_QUEUE_EMPTY');
  }
}

export class QueueFullError extends MultiprocError {
  constructor(message = 'queue is full') {
    super(message, 'ERR_QUEUE_FULL');
  }
}

export class QueueClosedError extends MultiprocError {
  constructor(message = 'queue is closed') {
    super(message, 'ERR_QUEUE_CLOSED');
  }
}

export class TimeoutError extends MultiprocError {
  constructor(message = 'operation timed out') {
    super(message, 'ERR_TIMEOUT');
  }
}

export class ProcessStateError extends MultiprocError {
  constructor(message: string) {
    super(message, 'ERR_PROCESS_STATE');
  }
}

export class TaskReferenceError extends MultiprocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_TASK_REFERENCE', options);
  }
}

export class ConnectionClosedError extends MultiprocError {
  constructor(message = 'connection is closed', options?: { cause?: unknown }) {
    super(message, 'ERR_CONNECTION_CLOSED', options);
  }
}

export class AuthenticationError extends MultiprocError {
  constructor(message: string) {
    super(message, 'ERR_AUTHENTICATION');
  }
}

export class ProtocolError extends MultiprocError {
  constructor(message: string) {
    super(message, 'ERR_PROTOCOL');
  }
}

export class EncodeError extends MultiprocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_UNSERIALIZABLE', options);
  }
}

export class WorkerExitedError extends MultiprocError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  constructor(message: string, exitCode: number | null, signal: NodeJS.Signals | null) {
    super(message, 'ERR_WORKER_EXITED');
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** The plain-data form an error takes on the wire. */
export interface RemoteErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: RemoteErrorInfo | unknown;
  [key: string]: unknown;
}

/**
 * An exception raised in another process. `message` and `code` are the remote
 * ones, `remote` holds everything that was sent, and `stack` shows the remote
 * stack under this side's, so a reader sees both ends.
 */
export class RemoteError extends MultiprocError {
  readonly remote: RemoteErrorInfo;
  constructor(remote: RemoteErrorInfo) {
    super(remote.message, typeof remote.code === 'string' ? remote.code : 'ERR_REMOTE', {
      cause: remote.cause,
    });
    this.remote = remote;
    const local = this.stack?.split('\n').slice(1).join('\n') ?? '';
    this.stack = `${remote.stack ?? `${remote.name}: ${remote.message}`}\n    --- raised in another process, received at ---\n${local}`;
  }
}

import type { ChildProcess, StdioOptions } from 'node:child_process';

import { currentName } from './identity.js';
import { onSparesReady, replenish, SPARE_INIT, setSpareTarget, takeSpare } from './spares.js';
import { START_FD_ARG, writeStartFile } from './start-file.js';
import { closeParentCopy, type OsHandle, type StartPayload, takeUnread } from './start-payload.js';
import {
  getAuthkey,
  InvalidArgumentError,
  ProcessStateError,
  TimeoutError,
  type WaitOptions,
  waitWithDeadline,
} from './wire-core.js';

const { fork } = process.getBuiltinModule('node:child_process');
const { closeSync } = process.getBuiltinModule('node:fs');
const { isAbsolute } = process.getBuiltinModule('node:path');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

export { stopSpares } from './spares.js';

export type StartMethod = 'spawn' | 'warm';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap-entry.cjs', import.meta.url));
/** This package's entry (launcher.ts is bundled into it): a child with a start file runs it as its main module. */
export const ENTRY = fileURLToPath(import.meta.url);
/** argv[2] of a spare, followed by the JSON list of modules to preload; see bootstrap-entry.cts. */
const SPARE_ARG = '--multiproc-spare=';
/** stdio as an array, the form stdioFor() gives. */
type StdioList = Exclude<StdioOptions, string>;
const DEFAULT_STDIO: StdioList = ['ignore', 'inherit', 'inherit', 'ipc'];

let globalMethod: StartMethod = 'spawn';
let methodSet = false;
let preload: string[] = [];

export interface StartMethodOptions {
  /** Change a start method that was already set. @default false */
  force?: boolean;
  /** How many warm spares to keep ready ('warm' only). @default 2 */
  spares?: number;
  /**
   * Modules every warm spare imports while it waits (Python's
   * `set_forkserver_preload()`), so a start from one of them needs no import:
   * file URLs or absolute paths, such as your task module's `import.meta.url`.
   * Their top-level code runs before the spare knows which process it will
   * become, and runs even in a spare that is never used. One that fails to
   * import is skipped (a start from it reports the error). Applies to spares
   * booted from then on. @default []
   */
  preload?: ReadonlyArray<string | URL>;
}

/** Python's set_start_method(): 'spawn' (default) or 'warm' (multiproc's forkserver). */
export function setStartMethod(method: StartMethod, options: StartMethodOptions = {}): void {
  checkMethod(method);
  if (methodSet && !options.force && method !== globalMethod) {
    throw new InvalidArgumentError('context has already been set');
  }
  if (options.spares !== undefined) {
    if (!Number.isInteger(options.spares) || options.spares < 1)
      throw new InvalidArgumentError('spares must be an integer >= 1');
  }
  const modules = options.preload === undefined ? preload : toModuleUrls(options.preload);
  globalMethod = method;
  methodSet = true;
  preload = modules;
  if (options.spares !== undefined) setSpareTarget(options.spares);
  if (method === 'warm') replenish(spawnSpare);
}

function toModuleUrls(list: ReadonlyArray<string | URL>): string[] {
  if (!Array.isArray(list)) throw new InvalidArgumentError('preload must be an array of module URLs');
  return list.map((entry) => {
    if (entry instanceof URL && entry.protocol === 'file:') return entry.href;
    if (typeof entry === 'string' && entry.startsWith('file:') && URL.canParse(entry))
      return new URL(entry).href;
    if (typeof entry === 'string' && isAbsolute(entry)) return pathToFileURL(entry).href;
    throw new InvalidArgumentError(
      `preload entries must be file URLs or absolute paths (such as import.meta.url), got ${String(entry)}`,
    );
  });
}

/**
 * Resolves once the warm spares are booted and ready (as many as `spares`), so the next starts
 * each find one idle: call it before a burst of starts whose latency matters. Rejects with
 * ProcessStateError if the start method is not 'warm', TimeoutError after `timeout` ms.
 */
export function sparesReady(options: WaitOptions = {}): Promise<void> {
  if (globalMethod !== 'warm') {
    return Promise.reject(new ProcessStateError("sparesReady() needs setStartMethod('warm')"));
  }
  return waitWithDeadline<void>(
    options,
    (resolve) => onSparesReady(resolve),
    () => new TimeoutError(`spares not ready after ${options.timeout} ms`),
  );
}

export function getStartMethod(): StartMethod {
  return globalMethod;
}

export function startMethodFor(method: StartMethod | undefined): StartMethod {
  if (method === undefined) return globalMethod;
  checkMethod(method);
  return method;
}

function checkMethod(method: unknown): asserts method is StartMethod {
  if (method !== 'spawn' && method !== 'warm') {
    throw new InvalidArgumentError(`unknown start method '${String(method)}': use 'spawn' or 'warm'`);
  }
}

export interface LaunchOptions {
  env: NodeJS.ProcessEnv | undefined;
  execArgv: string[] | undefined;
  stdio: StdioOptions;
  daemon: boolean;
}

/**
 * Start a child for `payload`. A warm start takes a spare that is already up
 * and waiting for its payload, so a start costs one IPC message and the task
 * module's import instead of a Node start-up; spares only fit children with
 * default env, execArgv and stdio. Otherwise a new Node process starts, with
 * the payload in a start file (start-file.ts) when it can, else as an IPC
 * message to the CommonJS entry. `sent` resolves once the child will get the
 * payload even if this process dies now, as Python's start() (a non-daemon
 * then runs on as an orphan).
 */
export function launch(
  method: StartMethod,
  options: LaunchOptions,
  payload: StartPayload,
  handles: OsHandle[],
): { child: ChildProcess; sent: Promise<void> } {
  const usesDefaults =
    options.env === undefined && options.execArgv === undefined && options.stdio === undefined;
  let child: ChildProcess | undefined;
  if (method === 'warm' && (usesDefaults || isDefaultStdio(options))) {
    child = takeSpare();
    replenish(spawnSpare);
  }
  const direct = child === undefined ? spawnWithStartFile(options, payload, handles) : undefined;
  child ??= direct ?? spawnBootstrap(options.env, options.execArgv, options.stdio);
  if (options.daemon) {
    // The parent does not wait for daemons; they are ended at its exit.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
  } else {
    child.ref();
    (child.channel as { ref?: () => void } | undefined)?.ref?.();
  }
  return { child, sent: direct ? Promise.resolve() : sendStart(child, payload, handles) };
}

/**
 * Spawns the package's entry with the payload in a start file, or returns undefined when the
 * CommonJS entry must listen for messages from its first line instead: for sockets and
 * servers, which only travel as IPC messages (and whose connections it holds until the target
 * listens), and under `--input-type`, which Node refuses for a main module that is a file.
 */
function spawnWithStartFile(
  options: LaunchOptions,
  payload: StartPayload,
  handles: OsHandle[],
): ChildProcess | undefined {
  const execArgv = options.execArgv ?? process.execArgv;
  if (handles.length > 0 || execArgv.some((flag) => flag.startsWith('--input-type'))) return undefined;
  let fd: number;
  try {
    fd = writeStartFile(payload);
  } catch {
    // No private dir or a full disk: the IPC message still works.
    return undefined;
  }
  try {
    // The next descriptor after stdio and the IPC channel (stdioFor() gives arrays).
    const stdio: StdioList = [...(Array.isArray(options.stdio) ? options.stdio : DEFAULT_STDIO), fd];
    return spawnChild(ENTRY, [`${START_FD_ARG}${stdio.length - 1}`], options.env, options.execArgv, stdio);
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(fd);
  }
}

function sendStart(child: ChildProcess, payload: StartPayload, handles: OsHandle[]): Promise<void> {
  for (const handle of handles) {
    child.send({ type: 'handle', unread: takeUnread(handle) }, handle as never, () =>
      closeParentCopy(handle),
    );
  }
  // Resolve once the payload is written to the channel: the child reads it even if this
  // process dies right after start(). A send error means the child died; its exit code tells.
  return new Promise((resolve) => child.send({ type: 'start', payload }, () => resolve()));
}

/** stdin is /dev/null as in Python; fd 3 is the IPC channel. */
export function stdioFor(stdio: 'inherit' | 'pipe' | 'ignore' | undefined): StdioOptions {
  if (stdio === 'pipe') return ['ignore', 'pipe', 'pipe', 'ipc'];
  if (stdio === 'ignore') return ['ignore', 'ignore', 'ignore', 'ipc'];
  return DEFAULT_STDIO;
}

function isDefaultStdio(options: LaunchOptions): boolean {
  return (
    options.env === undefined &&
    options.execArgv === undefined &&
    JSON.stringify(options.stdio) === JSON.stringify(DEFAULT_STDIO)
  );
}

function spawnBootstrap(
  env: NodeJS.ProcessEnv | undefined,
  execArgv: string[] | undefined,
  stdio: StdioOptions | undefined,
  args: string[] = [],
): ChildProcess {
  return spawnChild(BOOTSTRAP, args, env, execArgv, stdio ?? DEFAULT_STDIO);
}

function spawnChild(
  main: string,
  args: string[],
  env: NodeJS.ProcessEnv | undefined,
  execArgv: string[] | undefined,
  stdio: StdioOptions,
): ChildProcess {
  const child = fork(main, args, {
    env: env ?? process.env,
    // The same array when it is the parent's: fork() then drops a `-e <script>` from it.
    execArgv: execArgv ?? process.execArgv,
    stdio,
    serialization: 'advanced',
  });
  child.on('error', () => {});
  return child;
}

/** A spare is told so in its argv (the bootstrap removes it): it preloads more and says when it is ready. */
function spawnSpare(): ChildProcess {
  const child = spawnBootstrap(undefined, undefined, undefined, [`${SPARE_ARG}${JSON.stringify(preload)}`]);
  // Before it preloads anything, a spare learns the authkey and parent it will have, so a
  // preloaded module's top-level code sees them as a started child's would. A failed send
  // means the spare died; it is dropped from the pool then.
  child.send(
    { type: SPARE_INIT, authkey: getAuthkey(), parentName: currentName(), parentPid: process.pid },
    () => {},
  );
  return child;
}

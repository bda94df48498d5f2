import { type ChildProcess, fork, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onSparesReady, replenish, setSpareTarget, takeSpare } from './spares.js';
import { closeParentCopy, type OsHandle, type StartPayload, takeUnread } from './start-payload.js';
import {
  InvalidArgumentError,
  ProcessStateError,
  TimeoutError,
  type WaitOptions,
  waitWithDeadline,
} from './wire-core.js';

export { stopSpares } from './spares.js';

export type StartMethod = 'spawn' | 'warm';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap-entry.cjs', import.meta.url));
/** argv[2] of a spare; see bootstrap-entry.cts. */
const SPARE_ARG = '--multiproc-spare';
const DEFAULT_STDIO: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];

let globalMethod: StartMethod = 'spawn';
let methodSet = false;

/** Python's set_start_method(): 'spawn' (default) or 'warm' (multiproc's forkserver). */
export function setStartMethod(
  method: StartMethod,
  options: { force?: boolean; spares?: number } = {},
): void {
  checkMethod(method);
  if (methodSet && !options.force && method !== globalMethod) {
    throw new InvalidArgumentError('context has already been set');
  }
  globalMethod = method;
  methodSet = true;
  if (options.spares !== undefined) {
    if (!Number.isInteger(options.spares) || options.spares < 1)
      throw new InvalidArgumentError('spares must be an integer >= 1');
    setSpareTarget(options.spares);
  }
  if (method === 'warm') replenish(spawnSpare);
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
 * Start a child running the bootstrap. A warm start takes a spare that is
 * already up and waiting for its payload, so a start costs one IPC message
 * and the task module's import instead of a Node start-up. Spares only fit
 * children with default env, execArgv and stdio; others are spawned.
 */
export function launch(
  method: StartMethod,
  options: LaunchOptions,
): { child: ChildProcess; sendStart: (payload: StartPayload, handles: OsHandle[]) => Promise<void> } {
  const usesDefaults =
    options.env === undefined && options.execArgv === undefined && options.stdio === undefined;
  let child: ChildProcess | undefined;
  if (method === 'warm' && (usesDefaults || isDefaultStdio(options))) {
    child = takeSpare();
    replenish(spawnSpare);
  }
  child ??= spawnBootstrap(options.env, options.execArgv, options.stdio);
  if (options.daemon) {
    // The parent does not wait for daemons; they are ended at its exit.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
  } else {
    child.ref();
    (child.channel as { ref?: () => void } | undefined)?.ref?.();
  }
  const started = child;
  return {
    child: started,
    sendStart(payload, handles) {
      for (const handle of handles) {
        started.send({ type: 'handle', unread: takeUnread(handle) }, handle as never, () =>
          closeParentCopy(handle),
        );
      }
      // Resolve once the payload is written to the channel: the child reads it
      // even if this process dies right after start() (a non-daemon then runs
      // on as an orphan, as in Python). A send error means the child died; its
      // exit code tells.
      return new Promise((resolve) => started.send({ type: 'start', payload }, () => resolve()));
    },
  };
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
  const child = fork(BOOTSTRAP, args, {
    env: env ?? process.env,
    execArgv: execArgv ?? process.execArgv,
    stdio: stdio ?? DEFAULT_STDIO,
    serialization: 'advanced',
  });
  child.on('error', () => {});
  return child;
}

/** A spare is told so in its argv (the bootstrap removes it): it preloads more and says when it is ready. */
function spawnSpare(): ChildProcess {
  return spawnBootstrap(undefined, undefined, undefined, [SPARE_ARG]);
}

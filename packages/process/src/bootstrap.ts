import type net from 'node:net';
import type { LogRecord } from '@multiproc/logging';
import type { Delivery } from './bootstrap-entry.cjs';
import { hookSignal } from './children.js';
import { exitFinished, prepareFastExit } from './fast-exit.js';
import { setSelf } from './identity.js';
import { ENTRY } from './launcher.js';
import { libraryLogger, loadedLogging, loadLogging, onLoggingLoaded } from './logging-link.js';
import { watchParent } from './parent-watch.js';
import { restoreBuild } from './process-rebuild.js';
import { SPARE_INIT, SPARE_NAME, SPARE_READY } from './spares.js';
import { readStartFile, START_FD_ARG } from './start-file.js';
import { restoreHandles, type StartPayload } from './start-payload.js';
import { importOrThrow } from './target.js';
import { findByPlace } from './task-place.js';
import { loadWire, setAuthkey, TaskReferenceError } from './wire-core.js';

const { writeSync } = process.getBuiltinModule('node:fs');

/**
 * What every child runs (bootstrap-entry.cjs calls `runChild()` once this
 * package's entry is loaded): wait for the start payload on the IPC channel,
 * become the named process, import the target's module and run it. A warm
 * spare is this same program started ahead of time, still waiting. It lives
 * in the package's entry, not a file of its own: a spawned child loads one
 * file of process instead of three (each ES module file costs ~0.7 ms).
 */
/** logging's INFO: the level of the bootstrap's own lines. */
const INFO = 20;
let name = 'Process';
const handles: net.Socket[] = [];
const releases: (() => void)[] = [];
let payload: StartPayload | null = null;
/** A warm spare's `preload` modules by URL. */
const preloaded = new Map<string, Record<string, unknown>>();
let initialized!: () => void;
/** Resolves once a spare has its parent's authkey and parent info (SPARE_INIT). */
const sparePrepared = new Promise<void>((resolve) => (initialized = resolve));

function onMessage(
  message: {
    type?: string;
    payload?: StartPayload;
    unread?: Uint8Array;
    authkey?: Uint8Array;
    parentName?: string;
    parentPid?: number;
  },
  handle: net.Socket | undefined,
  release: () => void,
): void {
  if (message?.type === SPARE_INIT && payload === null) {
    setAuthkey(Buffer.from(message.authkey ?? []));
    setSelf(SPARE_NAME, false, [], String(message.parentName), Number(message.parentPid));
    initialized();
  } else if (message?.type === 'handle' && handle) {
    // Bytes the parent had read before the hand-over come first.
    if (message.unread?.length) handle.unshift(Buffer.from(message.unread));
    handles.push(handle);
    releases.push(release);
    maybeStart();
  } else if (message?.type === 'start' && message.payload) {
    payload = message.payload;
    maybeStart();
  }
}

/** What every child does first, whichever way its payload comes. */
function prepareChild(): void {
  // The parent decides what Ctrl-C means; children do not each print a traceback (bpo-8296).
  process.on('SIGINT', () => {});
  // terminate() is SIGTERM: remove this child's socket files, end its own children, then die of it.
  hookSignal('SIGTERM');
  process.on('uncaughtException', (error) => fail(error));
  process.on('unhandledRejection', (reason) => fail(reason));
}

/** A child started from bootstrap-entry.cjs: a warm spare, or a start that passes sockets. */
function runChild(): void {
  prepareChild();
  // Until the payload is here, the IPC channel is all this process waits for
  // (a warm spare can wait long), so it must hold the event loop; it is
  // unref'd at start, so the child ends when its target is done.
  process.channel?.ref();
  // A spare whose parent goes away has nothing to do.
  process.on('disconnect', () => {
    if (payload === null) process.exit(0);
  });

  // Messages come through bootstrap-entry.cjs, which listened before this module loaded.
  (
    (globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.messages')] as (
      fn: Delivery,
    ) => void
  )(onMessage as Delivery);
  // The parent went away before anything came: this process has nothing to do.
  if (payload === null && !process.connected) process.exit(0);

  // A warm spare has this package loaded already; it also loads the codec,
  // which a task with args needs, so that a start only imports the task
  // module itself; then it tells the parent it is ready to be taken. (A
  // spawned child loads the codec only for args.) It also imports the
  // modules named in `preload` (Python's forkserver preload); one that fails
  // is skipped: a start from it reports the error as usual.
  const preload = (globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.spare')] as
    | string[]
    | null;
  if (preload !== null) {
    // After SPARE_INIT, so the modules' top-level code sees the parent's authkey and parent.
    const load = (url: string) =>
      import(url).then((namespace: Record<string, unknown>) => void preloaded.set(url, namespace), noop);
    const preloads = preload.length === 0 ? [] : [sparePrepared.then(() => Promise.all(preload.map(load)))];
    // Logging too (a start loads it when its lines would print, or for a target that logs).
    Promise.all([loadWire(), loadLogging(), ...preloads]).then(() => {
      // V8 compiles a function at its first call: run's compile cost a warm start ~0.5 ms. A
      // call without a payload compiles it here, while the spare waits, and does nothing else;
      // so for the exit's path (~0.5 ms more): the fast exit's checks and the logger's level.
      void run(null);
      prepareFastExit();
      const logger = libraryLogger();
      if (logger && !logger.isEnabledFor(INFO)) logger.info('');
      // A failed send means the parent is gone; 'disconnect' ends this spare.
      if (payload === null && process.connected) process.send?.({ type: SPARE_READY }, () => {});
    }, fail);
  }
}

// Only registered here: a parent loads this module too (it is part of the
// package's entry) and must not run any of it.
(globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.run')] = runChild;

// Every other spawned child runs this package's entry as its main module, with the payload
// in a start file (start-file.ts): once the entry has loaded, read it and run.
const startFd = startFileArg();
if (startFd !== null) {
  queueMicrotask(() => {
    prepareChild();
    payload = readStartFile(startFd);
    maybeStart();
  });
}

/** The start file's descriptor when this process is such a child; the target sees argv without it. */
function startFileArg(): number | null {
  const arg = process.argv[2];
  if (process.argv[1] !== ENTRY || !arg?.startsWith(START_FD_ARG)) return null;
  process.argv.splice(2, 1);
  return Number(arg.slice(START_FD_ARG.length));
}

function noop(): void {}

function maybeStart(): void {
  if (payload === null || handles.length < payload.handles) return;
  process.channel?.unref();
  const p = payload;
  run(p).catch(fail);
}

async function run(p: StartPayload | null): Promise<void> {
  if (p === null) return;
  name = p.name;
  setSelf(p.name, p.daemon, p.identity, p.parentName, p.parentPid);
  setAuthkey(Buffer.from(p.authkey));
  const config = p.logging;
  onLoggingLoaded(config, (logging) => {
    logging.setProcessNameProvider(() => name);
    logging.setRecordForwarder(forward);
    if (config) logging.applyLoggingConfig(config);
  });
  // Logging is loaded for the bootstrap's own INFO lines only when they would print;
  // otherwise whoever imports it (the target, another package) gets the settings above.
  if (config && config.level <= INFO) await loadLogging();
  if (p.daemon) await watchParent(p.parentPid);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  // The codec (and the handle kinds of args) only when there is something to decode.
  const needsWire = p.args !== null || p.fields !== null || p.modules.length > 0;
  const wire = needsWire ? await loadWire() : null;
  if (wire) await wire.ensureModules(p.modules);
  const args =
    p.plainArgs ??
    (wire && p.args ? restoreHandles(wire.decodeValue(Buffer.from(p.args)) as unknown[], handles) : []);
  // A preloaded module is at hand: no import() (~0.1 ms of the loader's resolve and job).
  const exports = preloaded.get(p.target.module) ?? (await importOrThrow(p.target.module));
  const fn = p.target.place ? findByPlace(exports, p.target.module, p.target.place) : exports[p.target.name];
  if (typeof fn !== 'function') {
    // Only a target of a main script that was still running could not be checked in the parent.
    throw new TaskReferenceError(
      p.target.place
        ? `the task started from ${p.target.module} (its task() call #${p.target.place.ordinal + 1}) is not exported there, or the script makes other task() calls in a child: export it, and make the same task() calls at the script's top level in every process`
        : `${p.target.name} is not exported from ${p.target.module}: add \`export\` to its declaration so child processes can import it`,
    );
  }
  info('child process calling self.run()');
  const result =
    p.mode === 'run'
      ? (restoreBuild(fn, p, (b) => wire!.decodeValue(b)) as { run(): unknown }).run()
      : (fn as (...a: unknown[]) => unknown)(...args);
  // The target's synchronous part has attached its listeners: replay held connections.
  for (const release of releases) release();
  await result;
}

function forward(record: LogRecord): void {
  if (!process.connected) {
    // The parent is gone: print the whole line ourselves.
    const logging = loadedLogging();
    if (logging?.isLoggingToStderr()) writeSync(2, `${logging.formatRecord(record)}\n`);
    return;
  }
  // Also at process.exit(): libuv writes a small message to the empty IPC
  // pipe at once, so the exit records reach the parent's handlers, in order
  // after the earlier ones (printing them here would put them out of order).
  process.send?.({ type: 'log', record });
}

let shutdownLogged = false;
function onBeforeExit(): void {
  if (shutdownLogged) return;
  shutdownLogged = true;
  info('process shutting down');
  const code = Number(process.exitCode ?? 0);
  info('process exiting with exitcode %d', code);
  // The loop is empty, so nothing is left to run or flush: exit now, as Python's child
  // calls os._exit() after its target, rather than through Node's teardown (fast-exit.ts).
  // Not if someone else listens: their 'beforeExit' may schedule more work.
  if (process.listenerCount('beforeExit') === 1) exitFinished(code);
}

function onExit(code: number): void {
  if (!shutdownLogged) {
    shutdownLogged = true;
    info('process shutting down');
    info('process exiting with exitcode %d', code);
  }
}

/** Python's util.info(): a line on the library logger, if logging is loaded (else none would print). */
function info(message: string, ...args: unknown[]): void {
  libraryLogger()?.info(message, ...args);
}

function fail(error: unknown): never {
  const text = error instanceof Error ? (error.stack ?? String(error)) : `Uncaught ${String(error)}`;
  writeSync(2, `Process ${name}:\n${text}\n`);
  process.exit(1);
}

import { writeSync } from 'node:fs';
import type net from 'node:net';
import {
  applyLoggingConfig,
  formatRecord,
  getLogger,
  isLoggingToStderr,
  type LogRecord,
  setProcessNameProvider,
  setRecordForwarder,
} from '@multiproc/logging';
import { decodeValue, ensureModules, setAuthkey } from '@multiproc/wire';
import { setSelf } from './identity.js';
import { watchParent } from './parent-watch.js';
import { restoreBuild } from './process-rebuild.js';
import { restoreHandles, type StartPayload } from './start-payload.js';
import { importOrThrow } from './target.js';

/**
 * Entry point of every child: wait for the start payload on the IPC channel,
 * become the named process, import the target's module and run it. A warm
 * spare is this same program started ahead of time, still waiting.
 */
const log = getLogger();
let name = 'Process';
let exiting = false;

// The parent decides what Ctrl-C means; children do not each print a traceback (bpo-8296).
process.on('SIGINT', () => {});

process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (reason) => fail(reason));

const handles: net.Socket[] = [];
let payload: StartPayload | null = null;
const spareTimer: NodeJS.Timeout | null = null;

process.channel?.unref();
// A spare whose parent goes away has nothing to do.
process.on('disconnect', () => {
  if (payload === null) process.exit(0);
});

process.on('message', (message: { type: string; payload?: StartPayload }, handle?: net.Socket) => {
  if (message?.type === 'handle' && handle) {
    handles.push(handle);
    maybeStart();
  } else if (message?.type === 'start' && message.payload) {
    payload = message.payload;
    maybeStart();
  }
});

function maybeStart(): void {
  if (payload === null || handles.length < payload.handles) return;
  if (spareTimer) clearTimeout(spareTimer);
  const p = payload;
  run(p).catch(fail);
}

async function run(p: StartPayload): Promise<void> {
  name = p.name;
  setSelf(p.name, p.daemon, p.identity, p.parentName, p.parentPid);
  setAuthkey(Buffer.from(p.authkey));
  setProcessNameProvider(() => name);
  setRecordForwarder(forward);
  applyLoggingConfig(p.logging);
  if (p.daemon) watchParent(p.parentPid);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  await ensureModules(p.modules);
  const args = restoreHandles(decodeValue(Buffer.from(p.args)) as unknown[], handles);
  const exports = await importOrThrow(p.target.module);
  const fn = exports[p.target.name];
  log.info('child process calling self.run()');
  if (p.mode === 'run') {
    const self = restoreBuild(fn, p, decodeValue);
    await (self as { run(): unknown }).run();
  } else {
    await (fn as (...a: unknown[]) => unknown)(...args);
  }
}

function forward(record: LogRecord): void {
  if (exiting || !process.connected) {
    // At exit the IPC channel can no longer deliver: print the whole line ourselves.
    if (isLoggingToStderr()) writeSync(2, `${formatRecord(record)}\n`);
    return;
  }
  process.send?.({ type: 'log', record });
}

let shutdownLogged = false;
function onBeforeExit(): void {
  if (shutdownLogged) return;
  shutdownLogged = true;
  log.info('process shutting down');
  log.info('process exiting with exitcode %d', 0);
}

function onExit(code: number): void {
  exiting = true;
  if (!shutdownLogged) {
    shutdownLogged = true;
    log.info('process shutting down');
    log.info('process exiting with exitcode %d', code);
  }
}

function fail(error: unknown): never {
  const text = error instanceof Error ? (error.stack ?? String(error)) : `Uncaught ${String(error)}`;
  writeSync(2, `Process ${name}:\n${text}\n`);
  process.exit(1);
}

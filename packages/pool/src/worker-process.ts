import { getLogger } from '@multiproc/logging';
import { Process, type StartMethod } from '@multiproc/process';
import { type Connection, getAuthkey, Listener, WorkerExitedError } from '@multiproc/wire';
import type { WorkerSetup } from './protocol.js';
import { workerMain } from './worker-main.js';

const { constants } = process.getBuiltinModule('node:os');

const log = getLogger();

/** How long a worker asked to stop may take before it is killed; a killed one gets less. */
export const STOP_GRACE_MS = 10_000;
export const KILL_GRACE_MS = 2_000;

export interface WorkerSettings {
  maxTasksPerChild: number | undefined;
  env: NodeJS.ProcessEnv | undefined;
  execArgv: string[] | undefined;
  startMethod: StartMethod | undefined;
}

export interface Spawn {
  /** Resolves when the pool gives up on this start (terminate, broken pool). */
  killed: Promise<null>;
  isKilled(): boolean;
  /** Called as soon as the Process exists, so it can be signalled. */
  onProcess(proc: Process): void;
  /** Aborted once the worker is READY: until then a pending join keeps this process alive. */
  startJoin: AbortSignal;
}

/**
 * Start a worker: a daemon `PoolWorker-N` Process running workerMain, with
 * the address of a one-use Listener (a private Unix socket, closed once the
 * worker connected, authenticated with this process's authkey). Resolves
 * with the connection, or null if the worker exited or was killed first.
 */
export async function spawnWorker(
  settings: WorkerSettings,
  setup: WorkerSetup,
  spawn: Spawn,
): Promise<Connection | null> {
  const listener = new Listener({ authkey: getAuthkey() });
  try {
    await listener.ready;
    if (spawn.isKilled()) return null;
    const { env, execArgv, startMethod } = settings;
    const proc = new Process({
      target: workerMain,
      args: [listener.address, setup],
      daemon: true,
      env,
      execArgv,
      startMethod,
    });
    proc.name = proc.name.replace(/^Process/, 'PoolWorker');
    spawn.onProcess(proc);
    await proc.start();
    log.debug('added worker');
    if (spawn.isKilled()) proc.kill();
    const exited = proc.join({ signal: spawn.startJoin }).then(
      () => null,
      () => null,
    );
    const conn = await Promise.race([listener.accept().catch(() => null), exited, spawn.killed]);
    // Exited, or killed while starting (the signal is on its way); anything else: end it.
    if (conn === null && !spawn.isKilled() && proc.isAlive()) proc.kill();
    return conn;
  } finally {
    listener.close();
  }
}

/** Wait for a worker to exit, killing it after `graceMs`; its exit code and signal. */
export async function reap(
  proc: Process | null,
  graceMs: number,
): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }> {
  if (proc?.pid !== undefined) {
    await proc.join({ timeout: graceMs });
    if (proc.isAlive()) {
      proc.kill();
      await proc.join();
    }
  }
  const exitCode = proc?.exitCode ?? null;
  return { exitCode, signal: exitCode !== null && exitCode < 0 ? signalName(-exitCode) : null };
}

export function exitedError(
  name: string,
  pid: number | undefined,
  exitCode: number | null,
  signal: NodeJS.Signals | null,
): WorkerExitedError {
  return new WorkerExitedError(
    `${name} (pid ${pid}) exited with exitcode ${exitCode}${signal ? ` (${signal})` : ''} while running this task`,
    exitCode,
    signal,
  );
}

function signalName(n: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(constants.signals))
    if (value === n) return name as NodeJS.Signals;
  return null;
}

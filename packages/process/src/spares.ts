import type { ChildProcess } from 'node:child_process';
import { cpuCount } from './cpu.js';

/**
 * The pool of warm spares: bootstrap processes started ahead of time that
 * wait for a payload. A spare says 'ready' once it has loaded everything a
 * task module usually imports, so that a start finds it idle and only pays
 * for one message, the task module itself and the exit.
 */
interface Spare {
  child: ChildProcess;
  ready: boolean;
  onMessage: (message: unknown) => void;
}

/** What the bootstrap sends when it is a spare and fully loaded. */
export const SPARE_READY = 'spare-ready';
/** What the parent sends a spare first: the authkey and parent it will have (see launcher.ts). */
export const SPARE_INIT = 'spare-init';
/** A spare's name until it is started: never 'MainProcess', so a main-process check in a preloaded module says no. */
export const SPARE_NAME = 'WarmSpare';

const pool: Spare[] = [];
let target = 2;
/** Called (and dropped) once `target` spares are ready. */
const readyWaiters = new Set<() => void>();

function readyCount(): number {
  let n = 0;
  for (const s of pool) if (s.ready) n++;
  return n;
}

/** Calls `wake` once `target` spares are ready (at once if they are); returns its canceller. */
export function onSparesReady(wake: () => void): () => void {
  if (readyCount() >= target) {
    wake();
    return () => {};
  }
  readyWaiters.add(wake);
  return () => readyWaiters.delete(wake);
}
let spawnSpare: (() => ChildProcess) | null = null;

export function setSpareTarget(count: number): void {
  target = count;
}

/**
 * Take a spare, a ready one first, else the one booting longest (still ahead
 * of a fresh spawn). The caller then calls replenish().
 */
export function takeSpare(): ChildProcess | undefined {
  for (let i = pool.length - 1; i >= 0; i--) if (!isUsable(pool[i]!.child)) pool.splice(i, 1);
  let index = pool.findIndex((s) => s.ready);
  if (index < 0 && pool.length > 0) index = 0;
  const spare = index >= 0 ? pool.splice(index, 1)[0] : undefined;
  spare?.child.off('message', spare.onMessage);
  lastTake = performance.now();
  return spare?.child;
}

function isUsable(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

/**
 * Boot missing spares in the background. A Node start-up is ~100 ms of CPU,
 * so a replacement booting next to a spare that was just taken slows that
 * one's run and exit (measured: 9 ms -> 15 ms a start+join on 2 cores). So
 * while ready spares remain, replacements wait until starts pause for
 * QUIET_MS; when no spare is ready, the program is waiting for one anyway:
 * boot at once. At most one boots per core (booting 50 at once is no faster
 * than 2 at a time on 2 cores, and makes every one of them late).
 */
export function replenish(spawn?: () => ChildProcess): void {
  if (spawn) spawnSpare = spawn;
  if (spawnSpare === null) return;
  clearTimeout(quiet);
  const sinceTake = performance.now() - lastTake;
  if (pool.some((s) => s.ready) && sinceTake < QUIET_MS) {
    quiet = setTimeout(fill, QUIET_MS - sinceTake).unref();
  } else {
    scheduled ??= setImmediate(fill).unref();
  }
}

/** A replacement waits for starts to pause this long. */
const QUIET_MS = 100;
let lastTake = Number.NEGATIVE_INFINITY;
let scheduled: NodeJS.Immediate | undefined;
let quiet: NodeJS.Timeout | undefined;

function fill(): void {
  cancelFill();
  const maxBooting = cpuCount();
  let booting = pool.filter((s) => !s.ready).length;
  while (pool.length < target && booting < maxBooting && spawnSpare) {
    add(spawnSpare());
    booting++;
  }
}

function add(child: ChildProcess): void {
  // A spare never keeps the parent alive.
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  const spare: Spare = {
    child,
    ready: false,
    onMessage: (message) => {
      if ((message as { type?: string } | null)?.type !== SPARE_READY || !pool.includes(spare)) return;
      spare.ready = true;
      if (readyCount() >= target) {
        for (const wake of readyWaiters) wake();
        readyWaiters.clear();
      }
      replenish();
    },
  };
  child.on('message', spare.onMessage);
  // A spare that dies is dropped, not replaced here: a spare that cannot
  // boot (a bad execArgv) would otherwise be restarted in a loop.
  child.once('exit', () => {
    const i = pool.indexOf(spare);
    if (i >= 0) pool.splice(i, 1);
  });
  pool.push(spare);
}

function cancelFill(): void {
  clearImmediate(scheduled);
  scheduled = undefined;
  clearTimeout(quiet);
}

/** End every idle spare (tests, and a parent that wants a clean exit at once); a later warm start boots new ones. */
export function stopSpares(): void {
  cancelFill();
  for (const spare of pool.splice(0)) spare.child.kill('SIGKILL');
}

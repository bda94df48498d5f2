import type { ChildProcess } from 'node:child_process';

/*
 * A finished child's exit, as Python's, whose bootstrap ends with os._exit(code) and skips the
 * interpreter's teardown. Node has no _exit(): after process.exit() has run the 'exit'
 * listeners, its teardown (environment cleanup, joining V8's and libuv's threads, C++ static
 * destructors) costs ~1.2 ms on this VM before the kernel even starts, a quarter of a warm
 * start+join. So a child whose target is done tells its parent the exit code on the IPC
 * channel, and once that message has left (its send callback), exits and ends itself with
 * SIGKILL after the 'exit' listeners; the parent reports the code it was told (onChildExit).
 * A process.exit() of the target's own, an uncaught error, or an 'exit' listener that changes
 * the code takes Node's usual way out, as does a child under a profiler, coverage, trace events
 * or an inspector named on its command line, which write their results during the teardown (an
 * inspector opened from code is not seen).
 */

/** The IPC message a child sends before it ends itself. */
const EXITING = 'multiproc.exiting';
/** How long a parent that saw a SIGKILL waits for the channel's end (a last message). */
const DISCONNECT_WAIT_MS = 1000;

/** The code the parent was told; reallyExit() with that code ends the process at once. */
let told: number | null = null;
let patched = false;

/** Exit with `code` (the loop is empty: nothing is left to run), the fast way when it may. */
export function exitFinished(code: number): void {
  const status = (code | 0) & 0xff;
  if (!fastExitAllowed() || !process.connected) {
    process.exit(status);
    return;
  }
  patchReallyExit();
  process.send?.({ type: EXITING, code: status }, (error: Error | null) => {
    if (error === null) told = status;
    process.exit(status);
  });
}

function patchReallyExit(): void {
  if (patched) return;
  patched = true;
  const proc = process as NodeJS.Process & { reallyExit(code?: number): never };
  const reallyExit = proc.reallyExit;
  // process.exit() calls process.reallyExit(code) once the 'exit' listeners have run (Node's own
  // comment there says user land patches it).
  proc.reallyExit = (code?: number): never => {
    if (told !== null && ((Number(code ?? 0) | 0) & 0xff) === told) process.kill(process.pid, 'SIGKILL');
    return reallyExit.call(process, code);
  };
}

/**
 * For a warm spare while it waits: decides whether the fast exit applies and patches
 * reallyExit now, so that a start's exit does not pay for compiling them (~0.15 ms).
 */
export function prepareFastExit(): void {
  if (fastExitAllowed()) patchReallyExit();
}

let allowed: boolean | undefined;

/** Its command line and environment do not change while a process runs: decided once. */
function fastExitAllowed(): boolean {
  allowed ??= !process.env.NODE_V8_COVERAGE && !profiled();
  return allowed;
}

/** Flags whose tools write their results during Node's teardown (prefixes: `--inspect-brk` too). */
const TEARDOWN_FLAGS = [
  '--cpu-prof',
  '--heap-prof',
  '--prof',
  '--inspect',
  '--diagnostic-dir',
  '--report',
  '--trace-event',
];

function profiled(): boolean {
  // Node accepts `--cpu_prof` for `--cpu-prof`. Substrings, not a RegExp: compiling one is
  // ~0.05 ms of every child's exit.
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').replaceAll('_', '-');
  return TEARDOWN_FLAGS.some((flag) => flags.includes(flag));
}

/**
 * Parent side: calls `done` with the child's exit code, Python's way (-N for signal N), or the
 * code the child reported if it then ended itself with SIGKILL.
 */
export function onChildExit(child: ChildProcess, done: (exitCode: number) => void): void {
  let reported: number | null = null;
  child.on('message', (m: { type?: string; code?: number }) => {
    if (m?.type === EXITING && typeof m.code === 'number') reported = m.code;
  });
  child.once('exit', (code, signal) => {
    // A SIGKILL this process sent (kill()) is -9 even if the child had reported its code: it may
    // have landed while the child's 'exit' listeners ran. Another process's SIGKILL in that
    // window (well under a millisecond unless a listener is slow) reads as the reported code.
    const settle = () =>
      done(
        signal === 'SIGKILL' && reported !== null && !child.killed
          ? reported
          : signal
            ? -(process.getBuiltinModule('node:os').constants.signals[signal] ?? 0)
            : (code ?? 0),
      );
    if (signal !== 'SIGKILL' || reported !== null || child.killed || !child.connected) {
      settle();
      return;
    }
    // Its last message may still be unread when its exit is seen: the channel's end comes after
    // it. Bounded, because a grandchild that inherited the channel would keep it open.
    const timer = setTimeout(() => {
      child.off('disconnect', onDisconnect);
      settle();
    }, DISCONNECT_WAIT_MS);
    const onDisconnect = () => {
      clearTimeout(timer);
      settle();
    };
    child.once('disconnect', onDisconnect);
  });
}

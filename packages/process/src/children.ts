import type { ChildProcess } from 'node:child_process';
import { libraryLogger } from './logging-link.js';
import type { Process } from './process.js';
import { removePrivateDir } from './wire-core.js';

const live = new Map<Process, { child: ChildProcess; daemon: boolean }>();
let hooked = false;

/** Live children started by this process (Python's active_children()). */
export function activeChildren(): Process[] {
  return [...live.keys()];
}

export function trackChild(proc: Process, child: ChildProcess, daemon: boolean): void {
  live.set(proc, { child, daemon });
  child.once('exit', () => live.delete(proc));
  if (!hooked) installHooks();
}

/**
 * Python's exit hook: daemons are terminated when the parent exits. Non-daemon
 * children have kept the event loop alive until they ended, so a parent whose
 * main code ends waits for them, as in Python.
 */
function installHooks(): void {
  hooked = true;
  process.on('exit', () => {
    for (const [proc, { child, daemon }] of live) {
      if (!daemon) continue;
      libraryLogger()?.info('calling terminate() for daemon %s', proc.name);
      child.kill('SIGTERM');
    }
  });
  hookSignal('SIGINT');
  hookSignal('SIGTERM');
}

const hookedSignals = new Set<string>();

/**
 * Handle `signal` as multiproc does (see onSignal). Idempotent. Prepended so
 * it runs before the program's own listeners: a `once` listener is removed
 * before it runs, and would otherwise look like no listener at all.
 */
export function hookSignal(signal: 'SIGINT' | 'SIGTERM'): void {
  if (hookedSignals.has(signal)) return;
  hookedSignals.add(signal);
  process.prependListener(signal, () => onSignal(signal));
}

/**
 * Ctrl-C (or SIGTERM) with children running: if nobody else handles the
 * signal, end every child, remove the host's socket files and die of the
 * signal as Node would have. A program with its own handler decides itself.
 */
function onSignal(signal: 'SIGINT' | 'SIGTERM'): void {
  if (process.listenerCount(signal) > 1) return;
  hookedSignals.delete(signal);
  for (const [proc, { child }] of live) {
    libraryLogger()?.info(
      'calling terminate() for %s %s',
      live.get(proc)?.daemon ? 'daemon' : 'process',
      proc.name,
    );
    child.kill('SIGTERM');
  }
  removePrivateDir();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

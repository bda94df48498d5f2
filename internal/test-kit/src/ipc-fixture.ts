// Fixtures that talk to the test over the fork IPC channel (queue suites).
import { type ChildProcess, fork } from 'node:child_process';
import { basename } from 'node:path';
import { encodeValue, getAuthkey } from '@multiproc/wire';

export interface IpcChild {
  readonly process: ChildProcess;
  /** The next IPC message from the child (rejects after `timeout` ms or if it exits first). */
  next<T = any>(timeout?: number): Promise<T>;
  /** Send a message to the child. */
  send(message: unknown): void;
  /** Resolves with the exit code (or -signal number name) once it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/**
 * Fork the fixture `file` with `args` (handles included) encoded on its argv,
 * as a Process would pass them; results come back over the IPC channel.
 */
export function spawnIpcFixture(
  file: string,
  args: unknown[],
  options: { env?: NodeJS.ProcessEnv } = {},
): IpcChild {
  const name = basename(file, '.mjs');
  const argv = [getAuthkey().toString('hex'), encodeValue(args).toString('base64')];
  const child = fork(file, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: options.env });
  running.add(child);
  const inbox: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    exited,
    send: (m) => child.send(m as any),
    next<T>(timeout = 20_000): Promise<T> {
      if (inbox.length > 0) return Promise.resolve(inbox.shift() as T);
      return new Promise<T>((resolve, reject) => {
        const waiter = (m: unknown) => {
          clearTimeout(timer);
          child.off('close', onExit);
          resolve(m as T);
        };
        const fail = (message: string) => {
          waiters.splice(waiters.indexOf(waiter), 1);
          child.off('close', onExit);
          reject(new Error(message));
        };
        const timer = setTimeout(() => fail(`no message from ${name} within ${timeout} ms`), timeout);
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          clearTimeout(timer);
          fail(`${name} exited (code ${code}, signal ${signal}) before sending a message`);
        };
        // 'close', not 'exit': a message sent just before exiting can still be in the IPC
        // channel when 'exit' is emitted; 'close' comes after the channel has been read to its end.
        child.once('close', onExit);
        waiters.push(waiter);
      });
    },
  };
}

/** Kill every fixture still running (call in afterEach). */
export function reapIpcChildren(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  running.clear();
}

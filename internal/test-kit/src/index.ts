// Test helpers shared by the packages' suites: real child processes running
// fixtures against the built packages, reaped by pid after each test.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { encodeValue, getAuthkey } from '@multiproc/wire';

/** A handle (or any value) as one argv word: what a fixture decodes with `decodeValue`. */
export function arg(value: unknown): string {
  return encodeValue(value).toString('base64');
}

/** This process's authkey as hex, for a fixture's `setAuthkey`. */
export function keyArg(): string {
  return getAuthkey().toString('hex');
}

/** Settles with `promise`, or rejects after `ms` so a broken test fails instead of hanging. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const pids = new Set<number>();

/** Remember a process (a grandchild, say) that `reapChildren` must kill. */
export function trackPid(pid: number): void {
  pids.add(pid);
}

/**
 * A real child process (`child_process.fork`) running a fixture against the
 * built packages. Its stdout lines are read one at a time; the IPC channel is
 * there for fixtures that use it, and stays unused (so unreferenced) otherwise.
 * `{ ipc: false }` starts a plain `node` process instead (a program that must
 * not be anyone's child process of the fork kind, such as a parent under test).
 */
export class Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  stderr = '';
  #lines: string[] = [];
  #messages: unknown[] = [];
  #wake: (() => void) | null = null;
  #done = false;

  /** `file`: the fixture's absolute path. */
  constructor(file: string, args: string[], options: { ipc?: boolean } = {}) {
    this.proc =
      options.ipc === false
        ? spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
        : fork(file, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    trackPid(this.proc.pid!);
    this.proc.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      this.#wake?.();
    });
    this.proc.on('message', (m) => {
      this.#messages.push(m);
      this.#wake?.();
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.#done = true;
        this.#wake?.();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next line the child prints on stdout. */
  line(ms = 10_000): Promise<string> {
    return this.#next(this.#lines, ms, 'printed nothing') as Promise<string>;
  }

  /** The next stdout line, parsed as JSON. */
  async json<T = any>(ms?: number): Promise<T> {
    return JSON.parse(await this.line(ms)) as T;
  }

  /** The next IPC message from the child. */
  message<T = any>(ms = 10_000): Promise<T> {
    return this.#next(this.#messages, ms, 'sent no message') as Promise<T>;
  }

  /** Kills the child (SIGKILL unless told otherwise) and waits for its exit. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.#done) this.proc.kill(signal);
    return this.exited;
  }

  async #next(queue: unknown[], ms: number, what: string): Promise<unknown> {
    const deadline = Date.now() + ms;
    while (queue.length === 0) {
      if (this.#done) throw new Error(`child ${what} before it exited; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`child ${what} within ${ms} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return queue.shift();
  }
}

/** Kill every process a test started (by pid) and remove the private dirs SIGKILLed ones leave. */
export async function reapChildren(): Promise<void> {
  const all = [...pids];
  pids.clear();
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // Wait until each is really gone (a grandchild is not ours to wait for).
  const deadline = Date.now() + 5000;
  for (const pid of all) {
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
  const tmp = tmpdir();
  const names = readdirSync(tmp);
  for (const pid of all) {
    for (const name of names) {
      if (name.startsWith(`mp-${pid}-`)) rmSync(join(tmp, name), { recursive: true, force: true });
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { type IpcChild, reapIpcChildren, spawnIpcFixture } from './ipc-fixture.js';

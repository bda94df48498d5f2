import type { ChildProcess, StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { getLogger, getLoggingConfig, handleRemoteRecord, type LogRecord } from '@multiproc/logging';
import {
  getAuthkey,
  InvalidArgumentError,
  ProcessStateError,
  TaskReferenceError,
  type WaitOptions,
  waitWithDeadline,
} from '@multiproc/wire';
import { trackChild } from './children.js';
import { currentName, currentProcess, nextIdentity } from './identity.js';
import { launch, type StartMethod, startMethodFor } from './launcher.js';
import { encodeArgs, type StartPayload } from './start-payload.js';
import { type ResolvedTarget, resolveTarget } from './target.js';
import type { TargetReference, TaskFunction } from './task.js';

export interface ProcessOptions {
  /** A `task()` function, or `{ module, name }` of an exported function. Omit when a subclass overrides `run()`. */
  target?: TaskFunction | TargetReference;
  /** Arguments for the target: encodable values, multiproc handles, and at the top level `net.Socket`/`net.Server` (sent as OS handles). @default [] */
  args?: readonly unknown[];
  /** @default `Process-N` (`<ClassName>-N` for a subclass; `N:M` when nested, as in Python) */
  name?: string;
  /** A daemon is ended when its parent ends, and cannot have children. @default the current process's daemon flag */
  daemon?: boolean;
  /** Environment of the child. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Node flags of the child; the parent's by default, so tsx and other loaders carry over. @default process.execArgv */
  execArgv?: string[];
  /** 'inherit' shares the parent's stdout/stderr; 'pipe' exposes `stdout`/`stderr`. stdin is always /dev/null, as in Python. @default 'inherit' */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** 'spawn' starts a fresh Node process; 'warm' hands the target to a spare started ahead of time. @default the global setStartMethod() value, 'spawn' */
  startMethod?: StartMethod;
}

const STATE = Symbol('multiproc.process.state');

interface State {
  options: ProcessOptions;
  name: string;
  daemon: boolean;
  identity: number[];
  started: boolean;
  closed: boolean;
  child: ChildProcess | null;
  pid: number | undefined;
  exitCode: number | null;
  exited: Promise<void>;
  markExited: () => void;
  isSelf: boolean;
}

const log = getLogger();

/**
 * A child process running a task, with Python's lifecycle: start, join,
 * isAlive, terminate, kill, close, exitCode. Subclass it and override
 * `run()` as in Python; declare `static module = import.meta.url` on the
 * subclass and export it, so the child can import the class.
 */
export class Process {
  declare [STATE]: State;

  constructor(options: ProcessOptions = {}) {
    if (
      options.target !== undefined &&
      typeof options.target !== 'function' &&
      typeof options.target !== 'object'
    ) {
      throw new InvalidArgumentError('target must be a task() function or { module, name }');
    }
    if (options.name !== undefined && typeof options.name !== 'string')
      throw new InvalidArgumentError('name must be a string');
    if (options.args !== undefined && !Array.isArray(options.args))
      throw new InvalidArgumentError('args must be an array');
    if (options.stdio !== undefined && !['inherit', 'pipe', 'ignore'].includes(options.stdio)) {
      throw new InvalidArgumentError(`unknown stdio '${String(options.stdio)}'`);
    }
    startMethodFor(options.startMethod);
    const identity = nextIdentity();
    const className = new.target.name === 'Process' ? 'Process' : new.target.name;
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    Object.defineProperty(this, STATE, {
      enumerable: false,
      writable: true,
      value: {
        options,
        name: options.name ?? `${className}-${identity.join(':')}`,
        daemon: options.daemon ?? currentProcess().daemon,
        identity,
        started: false,
        closed: false,
        child: null,
        pid: undefined,
        exitCode: null,
        exited,
        markExited,
        isSelf: false,
      } satisfies State,
    });
  }

  get name(): string {
    return this[STATE].name;
  }
  set name(value: string) {
    if (typeof value !== 'string') throw new InvalidArgumentError('name must be a string');
    this[STATE].name = value;
  }

  get daemon(): boolean {
    return this[STATE].daemon;
  }
  set daemon(value: boolean) {
    const s = this.#open();
    if (s.started) throw new ProcessStateError('process has already started');
    s.daemon = Boolean(value);
  }

  /** The OS pid once started. */
  get pid(): number | undefined {
    return this.#open().pid;
  }

  /** `null` until the process has ended; then 0, the exit status, or `-signal` (SIGTERM -> -15). */
  get exitCode(): number | null {
    return this.#open().exitCode;
  }

  get authkey(): Buffer {
    return getAuthkey();
  }

  /** The child's stdout/stderr when started with `stdio: 'pipe'`. */
  get stdout(): Readable | null {
    return this[STATE].child?.stdout ?? null;
  }
  get stderr(): Readable | null {
    return this[STATE].child?.stderr ?? null;
  }

  /** What the child runs: the target by default; override in a subclass. */
  run(): unknown {
    throw new TaskReferenceError('run() called in the parent: start() the process instead');
  }

  async start(): Promise<void> {
    const s = this.#open();
    if (s.isSelf) throw new ProcessStateError('can only start a process object created by current process');
    if (s.started) throw new ProcessStateError('cannot start a process twice');
    if (currentProcess().daemon)
      throw new ProcessStateError('daemonic processes are not allowed to have children');
    s.started = true;
    try {
      const payload = await this.#payload();
      const { child, sendStart } = launch(startMethodFor(s.options.startMethod), {
        env: s.options.env,
        execArgv: s.options.execArgv,
        stdio: stdioFor(s.options.stdio),
        daemon: s.daemon,
      });
      this.#attach(child);
      sendStart(payload.payload, payload.handles);
      log.debug('started process %s (pid %d)', s.name, child.pid);
    } catch (error) {
      s.started = s.child !== null;
      throw error;
    }
  }

  /** Wait for the process to end. Resolves on timeout too: check `isAlive()`, as in Python. */
  async join(options: WaitOptions = {}): Promise<void> {
    const s = this.#open();
    if (!s.started) throw new ProcessStateError('can only join a started process');
    if (s.isSelf) throw new ProcessStateError('can only join a child process');
    if (s.exitCode !== null) return;
    await waitWithDeadline<void>(
      options,
      (resolve) => {
        s.exited.then(() => resolve());
        return () => {};
      },
      () => undefined,
    );
  }

  isAlive(): boolean {
    const s = this.#open();
    if (s.isSelf) return true;
    return s.started && s.child !== null && s.exitCode === null;
  }

  /** Send SIGTERM. No-op once the process has ended. */
  terminate(): void {
    this.#signal('SIGTERM');
  }

  /** Send SIGKILL. No-op once the process has ended. */
  kill(): void {
    this.#signal('SIGKILL');
  }

  /** Release the object; any use afterwards is a ProcessStateError. */
  close(): void {
    const s = this[STATE];
    if (s.closed) return;
    if (s.started && s.exitCode === null) {
      throw new ProcessStateError(
        'Cannot close a process while it is still running. You should first call join() or terminate().',
      );
    }
    s.closed = true;
  }

  toString(): string {
    const s = this[STATE];
    const status = s.closed
      ? 'closed'
      : !s.started
        ? 'initial'
        : s.exitCode === null
          ? 'started'
          : `stopped exitcode=${s.exitCode}`;
    return `<${this.constructor.name} name='${s.name}'${s.pid ? ` pid=${s.pid}` : ''} parent=${process.pid} ${status}${s.daemon ? ' daemon' : ''}>`;
  }

  #open(): State {
    const s = this[STATE];
    if (s.closed) throw new ProcessStateError('process object is closed');
    return s;
  }

  #signal(signal: NodeJS.Signals): void {
    const s = this.#open();
    if (!s.started || s.child === null)
      throw new ProcessStateError(
        `cannot ${signal === 'SIGKILL' ? 'kill' : 'terminate'} a process that was not started`,
      );
    if (s.exitCode !== null) return;
    s.child.kill(signal);
  }

  async #payload(): Promise<{ payload: StartPayload; handles: ReturnType<typeof encodeArgs>['handles'] }> {
    const s = this[STATE];
    const overridesRun = Object.getPrototypeOf(this).run !== Process.prototype.run;
    let target: ResolvedTarget;
    let fields: Buffer | null = null;
    const modules = new Set<string>();
    if (overridesRun) {
      target = await resolveSubclass(this.constructor as typeof Process);
      const encoded = encodeArgs([{ ...this }]);
      fields = encoded.bytes;
      for (const m of encoded.modules) modules.add(m);
    } else if (s.options.target !== undefined) {
      target = await resolveTarget(s.options.target);
    } else {
      throw new TaskReferenceError('a Process needs a target, or a subclass that overrides run()');
    }
    const { bytes, modules: argModules, handles } = encodeArgs(s.options.args ?? []);
    for (const m of argModules) modules.add(m);
    return {
      handles,
      payload: {
        target,
        mode: overridesRun ? 'run' : 'call',
        args: bytes,
        fields,
        modules: [...modules],
        name: s.name,
        identity: s.identity,
        daemon: s.daemon,
        authkey: getAuthkey(),
        parentName: currentName(),
        parentPid: process.pid,
        logging: getLoggingConfig(),
        handles: handles.length,
      },
    };
  }

  #attach(child: ChildProcess): void {
    const s = this[STATE];
    s.child = child;
    s.pid = child.pid;
    trackChild(this, child, s.daemon);
    child.on('message', (m: { type?: string; record?: LogRecord }) => {
      if (m?.type === 'log' && m.record) handleRemoteRecord(m.record);
    });
    child.once('exit', (code, signal) => {
      s.exitCode = signal ? -(constants.signals[signal] ?? 0) : (code ?? 0);
      log.debug('process %s (pid %d) exited with exitcode %d', s.name, s.pid, s.exitCode);
      s.markExited();
    });
  }

  /** @internal Used in the child to rebuild a subclass instance as Python unpickles it. */
  static [Symbol.for('multiproc.process.rebuild')](self: Process, p: StartPayload): void {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    Object.defineProperty(self, STATE, {
      enumerable: false,
      writable: true,
      value: {
        options: {},
        name: p.name,
        daemon: p.daemon,
        identity: p.identity,
        started: true,
        closed: false,
        child: null,
        pid: process.pid,
        exitCode: null,
        exited,
        markExited,
        isSelf: true,
      } satisfies State,
    });
  }
}

async function resolveSubclass(cls: typeof Process): Promise<ResolvedTarget> {
  const module = (cls as unknown as { module?: unknown }).module;
  if (typeof module !== 'string' && !(module instanceof URL)) {
    throw new TaskReferenceError(
      `${cls.name} overrides run(): declare \`static module = import.meta.url\` in the class and export it, so the child process can import it`,
    );
  }
  return resolveTarget({ module: String(module), name: await exportNameOf(String(module), cls) });
}

async function exportNameOf(module: string, value: unknown): Promise<string> {
  const exports = (await import(module)) as Record<string, unknown>;
  for (const [name, v] of Object.entries(exports)) if (v === value) return name;
  throw new TaskReferenceError(
    `${(value as { name?: string }).name} is not exported from ${module}: export the class`,
  );
}

function stdioFor(stdio: ProcessOptions['stdio']): StdioOptions {
  if (stdio === 'pipe') return ['ignore', 'pipe', 'pipe', 'ipc'];
  if (stdio === 'ignore') return ['ignore', 'ignore', 'ignore', 'ipc'];
  return ['ignore', 'inherit', 'inherit', 'ipc'];
}

import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { LogRecord } from '@multiproc/logging';
import { trackChild } from './children.js';
import { onChildExit } from './fast-exit.js';
import { currentName, currentProcess, nextIdentity } from './identity.js';
import { launch, startMethodFor, stdioFor } from './launcher.js';
import {
  childRecordsHandled,
  handleChildRecord,
  libraryLogger,
  loggingConfigForChild,
} from './logging-link.js';
import { checkOptions, type ProcessOptions } from './options.js';
import { openState, STATE, type State, setState } from './process-state.js';
import { encodeArgs, type OsHandle, type StartPayload } from './start-payload.js';
import { type ResolvedTarget, resolveClass, resolveTarget } from './target.js';
import {
  getAuthkey,
  hostStarted,
  InvalidArgumentError,
  loadWire,
  ProcessStateError,
  removeKeptPayloadFiles,
  TaskReferenceError,
  type WaitOptions,
  waitWithDeadline,
} from './wire-core.js';

/**
 * A child process running a task, with Python's lifecycle: start, join,
 * isAlive, terminate, kill, close, exitCode. Subclass it and override
 * `run()` as in Python; declare `static module = import.meta.url` on the
 * subclass and export it, so the child can import the class.
 */
export class Process {
  declare [STATE]: State;

  constructor(options: ProcessOptions = {}) {
    checkOptions(options);
    const identity = nextIdentity();
    const className = new.target.name === 'Process' ? 'Process' : new.target.name;
    setState(this, {
      options,
      name: options.name ?? `${className}-${identity.join(':')}`,
      daemon: options.daemon ?? currentProcess().daemon,
      identity,
      started: false,
      pid: undefined,
      isSelf: false,
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
    const s = openState(this);
    if (s.started) throw new ProcessStateError('process has already started');
    s.daemon = Boolean(value);
  }

  /** The OS pid once started. */
  get pid(): number | undefined {
    return openState(this).pid;
  }

  /** `null` until the process has ended; then 0, the exit status, or `-signal` (SIGTERM -> -15). */
  get exitCode(): number | null {
    return openState(this).exitCode;
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
    const s = openState(this);
    if (s.isSelf) throw new ProcessStateError('can only start a process object created by current process');
    if (s.started) throw new ProcessStateError('cannot start a process twice');
    if (currentProcess().daemon)
      throw new ProcessStateError('daemonic processes are not allowed to have children');
    s.started = true;
    try {
      const payload = await this.#payload();
      const { child, sent } = launch(
        startMethodFor(s.options.startMethod),
        {
          env: s.options.env,
          execArgv: s.options.execArgv,
          stdio: stdioFor(s.options.stdio),
          daemon: s.daemon,
        },
        payload.payload,
        payload.handles,
      );
      this.#attach(child);
      await sent;
      libraryLogger()?.debug('started process %s (pid %d)', s.name, child.pid);
    } catch (error) {
      s.started = s.child !== null;
      throw error;
    }
  }

  /** Wait for the process to end. Resolves on timeout too: check `isAlive()`, as in Python. */
  async join(options: WaitOptions = {}): Promise<void> {
    const s = openState(this);
    if (!s.started) throw new ProcessStateError('can only join a started process');
    if (s.isSelf) throw new ProcessStateError('can only join a child process');
    if (s.exitCode !== null) return;
    // A daemon's handle is unref'd so that it never keeps the parent alive,
    // but a pending join must: otherwise `await daemon.join()` lets the
    // parent's event loop run dry and exit (Node's code 13) before the daemon ends.
    s.joining++;
    s.child?.ref();
    try {
      await waitWithDeadline<void>(
        options,
        (resolve) => {
          s.exited.then(() => resolve());
          return () => {};
        },
        () => undefined,
      );
    } finally {
      if (--s.joining === 0 && s.daemon) s.child?.unref();
    }
  }

  isAlive(): boolean {
    const s = openState(this);
    if (s.isSelf) return true;
    return s.started && s.child !== null && s.exitCode === null;
  }

  /** Send SIGTERM. No-op once the process has ended. */
  terminate(): void {
    sendSignal(this, 'SIGTERM');
  }

  /** Send SIGKILL. No-op once the process has ended. */
  kill(): void {
    sendSignal(this, 'SIGKILL');
  }

  /** Release the object; any use afterwards is a ProcessStateError. */
  close(): void {
    const s = this[STATE];
    if (s.closed) return;
    // SPEC section 3: close() before start() is a lifecycle error (Python allows it).
    if (!s.started) throw new ProcessStateError('cannot close a process that was not started');
    if (s.exitCode === null) {
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

  async #payload(): Promise<{ payload: StartPayload; handles: OsHandle[] }> {
    const s = this[STATE];
    const overridesRun = overridesRunMethod(this);
    let target: ResolvedTarget;
    let fields: Buffer | null = null;
    const modules = new Set<string>();
    if (overridesRun) {
      target = await resolveClass(this.constructor as typeof Process & { module?: unknown });
      const encoded = await encodeArgs([{ ...this }], false);
      fields = encoded.bytes;
      for (const m of encoded.modules) modules.add(m);
    } else if (s.options.target !== undefined) {
      target = await resolveTarget(s.options.target);
    } else {
      throw new TaskReferenceError('a Process needs a target, or a subclass that overrides run()');
    }
    const { bytes, plain, modules: argModules, handles } = await encodeArgs(s.options.args ?? []);
    for (const m of argModules) modules.add(m);
    return {
      handles,
      payload: {
        target,
        mode: overridesRun ? 'run' : 'call',
        args: bytes,
        plainArgs: plain,
        fields,
        modules: [...modules],
        name: s.name,
        identity: s.identity,
        daemon: s.daemon,
        authkey: getAuthkey(),
        parentName: currentName(),
        parentPid: process.pid,
        logging: loggingConfigForChild(),
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
      if (m?.type === 'log' && m.record) handleChildRecord(m.record);
    });
    onChildExit(child, (exitCode) => {
      // Killed by a signal, it ran no 'exit' listener to let its kept payload files go.
      if (exitCode < 0 && child.pid !== undefined) removeKeptPayloadFiles(child.pid);
      // What the child sent to primitives owned here is handled before join() resolves.
      Promise.all([afterLinksDrained(child.pid), childRecordsHandled()]).then(() => {
        s.exitCode = exitCode;
        libraryLogger()?.debug('process %s (pid %d) exited with exitcode %d', s.name, s.pid, s.exitCode);
        s.markExited();
      });
    });
  }

  /** @internal Used in the child to rebuild a subclass instance as Python unpickles it. */
  static [Symbol.for('multiproc.process.rebuild')](self: Process, p: StartPayload): void {
    setState(self, {
      options: {},
      name: p.name,
      daemon: p.daemon,
      identity: p.identity,
      started: true,
      pid: process.pid,
      isSelf: true,
    });
  }
}

/**
 * Outside the class on purpose: a class body that names its own class makes the bundler
 * rename it (`_Process`), and `new.target.name` gives children their default names.
 */
function overridesRunMethod(p: Process): boolean {
  return Object.getPrototypeOf(p).run !== Process.prototype.run;
}

function sendSignal(p: Process, signal: NodeJS.Signals): void {
  const s = openState(p);
  const verb = signal === 'SIGKILL' ? 'kill' : 'terminate';
  if (s.isSelf) throw new ProcessStateError(`can only ${verb} a child process`);
  if (!s.started || s.child === null)
    throw new ProcessStateError(`cannot ${verb} a process that was not started`);
  if (s.exitCode !== null) return;
  s.child.kill(signal);
}

/** A dead process's sockets reach EOF at once; the cap only guards against the impossible. */
const DRAIN_CAP_MS = 5000;

async function afterLinksDrained(pid: number | undefined): Promise<void> {
  // No host here, no links to drain (and no codec to load for it).
  if (pid === undefined || !hostStarted()) return;
  const host = (await loadWire()).Host.existing();
  if (!host) return;
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_CAP_MS);
  });
  return Promise.race([host.peersGone(pid), cap]).finally(() => clearTimeout(timer));
}

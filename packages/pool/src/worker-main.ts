import { getLogger } from '@multiproc/logging';
import { type TaskFunction, task } from '@multiproc/process';
import {
  Client,
  type Connection,
  errorToInfo,
  getAuthkey,
  type RemoteErrorInfo,
  TaskReferenceError,
} from '@multiproc/wire';
import {
  CANCEL,
  CHUNK,
  DEFINE,
  DROPPED,
  type FunctionRef,
  INIT_FAILED,
  READY,
  RESULT,
  RUN,
  STOP,
  type WorkerSetup,
} from './protocol.js';
import { importOrThrow } from './target-ref.js';

const { once } = process.getBuiltinModule('node:events');

const log = getLogger();

type Fn = (...args: unknown[]) => unknown;

interface LocalTask {
  /** -1 for a message that could not be decoded (its error is in `error`). */
  id: number;
  fnId: number;
  payload: unknown[];
  chunk: boolean;
  star: boolean;
  error?: Error;
}

type Outcome = [ok: true, value: unknown] | [ok: false, info: RemoteErrorInfo, partial?: unknown[]];

/**
 * The program of every pool worker: connect to the pool, run the
 * initializer, then run tasks one at a time in the order they arrive,
 * answering each with its result or its error. It exits when the pool sends
 * the sentinel or its connection ends (Python's worker() in pool.py).
 */
export const workerMain: TaskFunction<[string, WorkerSetup], Promise<void>> = task(
  import.meta.url,
  async (address: string, setup: WorkerSetup) => {
    let conn: Connection;
    try {
      conn = await Client(address, { authkey: getAuthkey() });
    } catch {
      // The pool stopped (or was terminated) before this worker was up: nothing to do.
      process.exit(0);
    }
    if (setup.initializer !== null) {
      try {
        const init = await loadFunction(setup.initializer);
        await init(...(setup.initargs ?? []));
      } catch (error) {
        conn.send([INIT_FAILED, errorToInfo(error)]);
        conn.close();
        await Promise.race([once(conn.socket, 'close'), new Promise((r) => setTimeout(r, 1000))]);
        process.exit(1);
      }
    }
    const loop = new WorkerLoop(conn);
    try {
      conn.send([READY]);
    } catch {
      process.exit(0);
    }
    const why = await loop.serve();
    log.debug(
      why === 'stop' ? 'worker got sentinel -- exiting' : 'worker got EOFError or OSError -- exiting',
    );
    log.debug('worker exiting after %d tasks', loop.completed);
    // As Python's os._exit: a task that left a timer or a socket open does not keep a worker alive.
    process.exit(0);
  },
);

async function loadFunction(ref: FunctionRef): Promise<Fn> {
  const exports = await importOrThrow(ref.module);
  const fn = exports[ref.name];
  if (typeof fn !== 'function') {
    throw new TaskReferenceError(`${ref.module} has no exported function named '${ref.name}'`);
  }
  return fn as Fn;
}

class WorkerLoop {
  completed = 0;
  readonly #conn: Connection;
  readonly #fns = new Map<number, Promise<Fn>>();
  /** The functions whose module has loaded, for tasks that can run without an await. */
  readonly #loaded = new Map<number, Fn>();
  readonly #queue: LocalTask[] = [];
  #running = false;
  #stopping: 'stop' | 'eof' | null = null;
  #done!: (why: 'stop' | 'eof') => void;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  serve(): Promise<'stop' | 'eof'> {
    const done = new Promise<'stop' | 'eof'>((resolve) => (this.#done = resolve));
    this.#conn.hold();
    this.#conn.onMessage = (m) => this.#onMessage(m);
    this.#conn.onClose(() => this.#end('eof'));
    return done;
  }

  #onMessage(m: unknown): void {
    if (m instanceof Error) {
      // Only task messages carry values that can fail to decode; it takes its place in line.
      this.#enqueue({ id: -1, fnId: -1, payload: [], chunk: false, star: false, error: m });
      return;
    }
    if (!Array.isArray(m)) return;
    switch (m[0]) {
      case DEFINE: {
        const id = m[1] as number;
        const fn = loadFunction({ module: m[2] as string, name: m[3] as string });
        fn.then(
          (f) => this.#loaded.set(id, f),
          () => {},
        );
        this.#fns.set(id, fn);
        break;
      }
      case RUN: {
        // The usual case, run in this turn with no task object: a loaded function, nothing ahead.
        const fn = this.#running || this.#stopping !== null ? undefined : this.#loaded.get(m[2]);
        if (fn !== undefined) this.#runNow(m[1], fn, m[3]);
        else this.#enqueue({ id: m[1], fnId: m[2], payload: m[3], chunk: false, star: true });
        break;
      }
      case CHUNK:
        this.#enqueue({ id: m[1], fnId: m[2], payload: m[3], chunk: true, star: m[4] === true });
        break;
      case CANCEL: {
        const i = this.#queue.findIndex((t) => t.id === m[1]);
        if (i >= 0) {
          this.#queue.splice(i, 1);
          this.#send([DROPPED, m[1]]);
        }
        break;
      }
      case STOP:
        this.#end('stop');
        break;
    }
  }

  #enqueue(t: LocalTask): void {
    if (this.#stopping !== null) return;
    this.#queue.push(t);
    if (!this.#running) void this.#pump();
  }

  /**
   * A call whose function is loaded, with nothing ahead of it: run it now, in the same turn
   * as its message arrived (no promise hop for a plain function); only an async result waits.
   */
  #runNow(id: number, fn: Fn, args: unknown[]): void {
    let r: unknown;
    try {
      r = fn(...args);
    } catch (error) {
      this.#ran(id, [false, errorToInfo(error)]);
      return;
    }
    if (!isThenable(r)) {
      this.completed++;
      this.#replyValue(id, r);
      return;
    }
    this.#running = true;
    Promise.resolve(r).then(
      (value) => this.#ranAsync(id, [true, value]),
      (error) => this.#ranAsync(id, [false, errorToInfo(error)]),
    );
  }

  #ran(id: number, outcome: Outcome): void {
    this.completed++;
    this.#reply(id, outcome);
  }

  #ranAsync(id: number, outcome: Outcome): void {
    this.#ran(id, outcome);
    this.#running = false;
    if (this.#stopping !== null) this.#done(this.#stopping);
    else if (this.#queue.length > 0) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0 && this.#stopping === null) {
      const t = this.#queue.shift()!;
      this.#ran(t.id, await this.#run(t));
    }
    this.#running = false;
    if (this.#stopping !== null) this.#done(this.#stopping);
  }

  async #run(t: LocalTask): Promise<Outcome> {
    if (t.error) return [false, errorToInfo(t.error)];
    const items: unknown[] = [];
    try {
      const loading = this.#fns.get(t.fnId);
      if (loading === undefined) throw new TaskReferenceError(`worker has no function ${t.fnId}`);
      const fn = await loading;
      if (!t.chunk) {
        const r = fn(...(t.payload as unknown[]));
        return [true, isThenable(r) ? await r : r];
      }
      for (const item of t.payload) {
        const r = t.star ? fn(...(item as unknown[])) : fn(item);
        items.push(isThenable(r) ? await r : r);
      }
      return [true, items];
    } catch (error) {
      return t.chunk ? [false, errorToInfo(error), items] : [false, errorToInfo(error)];
    }
  }

  #reply(id: number, outcome: Outcome): void {
    if (outcome[0]) {
      this.#replyValue(id, outcome[1]);
      return;
    }
    try {
      this.#conn.send([RESULT, id, false, outcome[1], outcome[2]]);
    } catch (error) {
      this.#send([RESULT, id, false, errorToInfo(error)]);
    }
  }

  #replyValue(id: number, value: unknown): void {
    try {
      this.#conn.send([RESULT, id, true, value]);
    } catch (error) {
      // The result could not be encoded (Python's MaybeEncodingError): report that instead.
      this.#send([RESULT, id, false, errorToInfo(error)]);
    }
  }

  #send(message: unknown[]): void {
    try {
      this.#conn.send(message);
    } catch {
      // The pool is gone; the close handler ends this worker.
    }
  }

  #end(why: 'stop' | 'eof'): void {
    if (this.#stopping !== null) return;
    this.#stopping = why;
    this.#queue.length = 0;
    this.#conn.release();
    if (!this.#running) this.#done(why);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

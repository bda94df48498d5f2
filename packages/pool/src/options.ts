import { cpuCount, type StartMethod } from '@multiproc/process';
import { checkTimeout, InvalidArgumentError } from '@multiproc/wire';
import { checkTarget, type TaskTarget } from './target-ref.js';

export interface PoolOptions {
  /** Number of worker processes. @default cpuCount() */
  processes?: number;
  /** A task run once in every worker before its first task, replacements included. */
  initializer?: TaskTarget;
  /** Arguments of the initializer (encodable values and multiproc handles). @default [] */
  initargs?: readonly unknown[];
  /** A worker exits and is replaced after this many tasks (a `map` chunk counts as one). @default undefined: never */
  maxTasksPerChild?: number;
  /**
   * At most this many tasks wait in the queue; submitting more waits for room
   * (`apply`, `map` and `imap` wait before their tasks enter the queue, and
   * `applyAsync` returns at once with a result that waits). @default Infinity
   */
  maxQueue?: number;
  /**
   * Tasks a worker holds at once: the one it runs and those sent ahead, so it never idles for a
   * round trip. Unset, the pool picks it from how long tasks take: 2 for tasks of a millisecond or
   * more, up to 64 for trivial ones (sent in batches). `1` is Python's behaviour.
   * @default adaptive, 2 to 64
   */
  prefetch?: number;
  /** Environment of the workers. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Node flags of the workers. @default process.execArgv (tsx and other loaders carry over) */
  execArgv?: string[];
  /** 'spawn' or 'warm', as for Process. @default the global setStartMethod() value */
  startMethod?: StartMethod;
}

/** Per-task options of `apply` and `applyAsync`. */
export interface TaskOptions {
  /** Milliseconds the task may run once a worker starts it; then it fails with TimeoutError and its worker is replaced. */
  timeout?: number;
  /** Aborting rejects with AbortError; a task already running is stopped by replacing its worker. */
  signal?: AbortSignal;
}

export interface Callbacks<R> {
  /** Called in this process with the result, before `get()` resolves. If it throws, the pool emits 'error'. */
  callback?: (value: R) => void;
  /** Called in this process with the error, before `get()` rejects. If it throws, the pool emits 'error'. */
  errorCallback?: (error: unknown) => void;
}

export interface ApplyAsyncOptions<R> extends TaskOptions, Callbacks<R> {}

export interface MapOptions {
  /** Items per task sent to a worker. @default Math.ceil(items / (4 * processes)) */
  chunksize?: number;
  /** Aborting rejects with AbortError and cancels the rest of the map; running chunks' workers are replaced. */
  signal?: AbortSignal;
}

export interface MapAsyncOptions<R> extends MapOptions, Callbacks<R[]> {}

export interface ImapOptions {
  /** Items per task. @default 1 */
  chunksize?: number;
  /**
   * Chunks submitted and not yet yielded, at most; the input is read lazily to keep this many going.
   * @default `min(2 * processes * prefetch, max(4 * processes, ceil(512 * processes / chunksize)))` chunks: about 512 tasks per worker from chunksize 4 up (fewer below: 128 per worker at chunksize 1, the old default), at least 4 chunks per worker unless a fixed `prefetch` under 2 caps it
   */
  buffersize?: number;
  /** Aborting makes the iterator throw AbortError and cancels what it had submitted. */
  signal?: AbortSignal;
}

export interface ResolvedPoolOptions {
  processes: number;
  maxTasksPerChild: number | undefined;
  maxQueue: number;
  /** undefined: adaptive (SendWindow). */
  prefetch: number | undefined;
}

export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('options must be an object');
  const processes = options.processes ?? cpuCount();
  if (typeof processes !== 'number' || Number.isNaN(processes) || processes < 1) {
    throw new InvalidArgumentError('Number of processes must be at least 1');
  }
  if (!Number.isInteger(processes)) throw new InvalidArgumentError('Number of processes must be an integer');
  const maxTasksPerChild = options.maxTasksPerChild;
  if (maxTasksPerChild !== undefined && !positiveInt(maxTasksPerChild)) {
    throw new InvalidArgumentError('maxTasksPerChild must be a positive integer or undefined');
  }
  const maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
  if (maxQueue !== Number.POSITIVE_INFINITY && !positiveInt(maxQueue)) {
    throw new InvalidArgumentError('maxQueue must be a positive integer or Infinity');
  }
  const prefetch = options.prefetch;
  if (prefetch !== undefined && !positiveInt(prefetch))
    throw new InvalidArgumentError('prefetch must be a positive integer');
  if (options.initializer !== undefined) checkTarget(options.initializer, 'initializer');
  if (options.initargs !== undefined && !Array.isArray(options.initargs)) {
    throw new InvalidArgumentError('initargs must be an array');
  }
  return { processes, maxTasksPerChild, maxQueue, prefetch };
}

export function checkArgs(args: unknown, what = 'args'): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new InvalidArgumentError(`${what} must be an array`);
  return args;
}

/** A task timeout: a non-negative number of milliseconds, Infinity when omitted. */
export function checkTaskTimeout(timeout: unknown): number {
  return checkTimeout(timeout as number | undefined);
}

/** Tasks per worker a default imap window holds (the tasks, not the chunks, are what memory holds). */
const IMAP_TASKS_PER_WORKER = 512;

/**
 * imap's default `buffersize`, in chunks: about IMAP_TASKS_PER_WORKER tasks per worker, at least
 * four chunks per worker, and never more than the old per-chunk default `2 * processes * prefetch`
 * (which wins for small chunks, and for a fixed `prefetch` of 1).
 *
 * Counted in chunks alone, chunksize 64 kept 16k tasks out: their items and results outlived the
 * young-generation GCs under way, and V8 grows that generation by the bytes that survive them. The
 * parent's peak RSS grew with the input (2 workers: ~67 MB at 100k tasks, ~100 MB at 1M); at 512
 * tasks per worker it is ~63 MB for both.
 */
export function defaultBuffersize(processes: number, chunksize: number, prefetch: number): number {
  const tasks = Math.ceil((IMAP_TASKS_PER_WORKER * processes) / chunksize);
  return Math.min(2 * processes * prefetch, Math.max(4 * processes, tasks));
}

export function checkBuffersize(buffersize: unknown, fallback: number): number {
  if (buffersize === undefined) return fallback;
  if (!positiveInt(buffersize)) throw new InvalidArgumentError('buffersize must be a positive integer');
  return buffersize as number;
}

function positiveInt(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

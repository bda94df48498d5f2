import { abortError, MultiprocError } from '@multiproc/wire';
import { type AnyIterable, ChunkReader } from './chunking.js';
import { FlatIterator } from './flat-iterator.js';
import type { Job } from './job.js';
import type { Scheduler } from './scheduler.js';
import { resolveRef, type TaskTarget } from './target-ref.js';

/**
 * `imap`/`imapUnordered`: lazy chunks of the input, at most `buffersize`
 * submitted and not yet yielded. Holds the pool open (join() waits) while it
 * is being iterated; ends with the iterator.
 */
export function imapIterator(
  scheduler: Scheduler,
  fn: TaskTarget,
  items: AnyIterable<unknown>,
  options: { chunksize: number; buffersize: number; signal: AbortSignal | undefined; ordered: boolean },
): AsyncGenerator<unknown> {
  const ref = resolveRef(fn);
  ref.catch(() => {});
  const chunks = (async function* (): AsyncGenerator<unknown[], undefined, undefined> {
    const release = scheduler.reserve();
    try {
      const resolved = await ref;
      const ctx: ImapContext = {
        ...options,
        reader: new ChunkReader(items),
        submit: (chunk) => {
          const job = scheduler.submit(resolved, chunk, true, false, Number.POSITIVE_INFINITY);
          // A chunk cancelled when the iteration ends is never awaited.
          job.promise.catch(() => {});
          return job;
        },
        room: () => new Promise<void>((resolve) => scheduler.onRoom(resolve)),
      };
      return yield* options.ordered ? imapOrdered(ctx) : imapUnordered(ctx);
    } finally {
      release();
    }
  })();
  return new FlatIterator(chunks);
}

/** What an imap iteration needs from the pool. */
export interface ImapContext {
  reader: ChunkReader<unknown>;
  chunksize: number;
  buffersize: number;
  signal: AbortSignal | undefined;
  /** Submit one chunk. */
  submit(items: unknown[]): Job;
  /** Resolves when the pool's queue has room (maxQueue). */
  room(): Promise<void>;
}

function abandoned(): MultiprocError {
  return new MultiprocError('cancelled: the imap iterator was closed', 'ERR_CANCELLED');
}

/** `promise`, or AbortError as soon as `signal` aborts. */
function raced<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Reads the input while fewer than `buffersize` chunks are out; records
 * an error the input itself threw, to be thrown after the items before it.
 */
async function fill(
  ctx: ImapContext,
  out: number,
  onJob: (job: Job) => void,
): Promise<{ error: unknown } | null> {
  let inputError: { error: unknown } | null = null;
  while (!ctx.reader.finished && out < ctx.buffersize) {
    await raced(ctx.room(), ctx.signal);
    const pulled = await raced(ctx.reader.pull(ctx.chunksize), ctx.signal);
    if (pulled.items.length > 0) {
      onJob(ctx.submit(pulled.items));
      out++;
    }
    if (pulled.failed) inputError = { error: pulled.error };
  }
  return inputError;
}

function cancelAll(jobs: Iterable<Job>, signal: AbortSignal | undefined): void {
  const aborted = signal?.aborted === true;
  for (const job of jobs) job.cancel(aborted ? abortError(signal) : abandoned(), aborted);
}

/** Chunks of results in input order; a failing item's chunk yields the results before it, then throws. */
export async function* imapOrdered(ctx: ImapContext): AsyncGenerator<unknown[], undefined, undefined> {
  const jobs: Job[] = [];
  let inputError: { error: unknown } | null = null;
  try {
    inputError ??= await fill(ctx, jobs.length, (job) => jobs.push(job));
    while (jobs.length > 0) {
      const job = jobs[0]!;
      let values: unknown[];
      try {
        values = (await raced(job.promise, ctx.signal)) as unknown[];
      } catch (error) {
        if (job.settled && !job.ok && job.partial !== undefined && !ctx.signal?.aborted) yield job.partial;
        throw error;
      }
      jobs.shift();
      yield values;
      inputError ??= await fill(ctx, jobs.length, (j) => jobs.push(j));
    }
    if (inputError !== null) throw inputError.error;
    return undefined;
  } finally {
    cancelAll(jobs, ctx.signal);
    await ctx.reader.close();
  }
}

/** Chunks of results as they complete; each result once. */
export async function* imapUnordered(ctx: ImapContext): AsyncGenerator<unknown[], undefined, undefined> {
  const active = new Set<Job>();
  const finished: Job[] = [];
  let wake: (() => void) | null = null;
  const track = (job: Job) => {
    active.add(job);
    const done = () => {
      finished.push(job);
      wake?.();
    };
    job.promise.then(done, done);
  };
  let inputError: { error: unknown } | null = null;
  try {
    while (true) {
      inputError ??= await fill(ctx, active.size, track);
      while (finished.length === 0 && active.size > 0) {
        await raced(new Promise<void>((resolve) => (wake = resolve)), ctx.signal);
        wake = null;
      }
      const job = finished.shift();
      if (job === undefined) break;
      active.delete(job);
      let values: unknown[];
      try {
        values = (await job.promise) as unknown[];
      } catch (error) {
        if (job.partial !== undefined) yield job.partial;
        throw error;
      }
      yield values;
    }
    if (inputError !== null) throw inputError.error;
    return undefined;
  } finally {
    cancelAll(active, ctx.signal);
    await ctx.reader.close();
  }
}

import { abortError, MultiprocError } from '@multiproc/wire';
import { chunkArray, defaultChunksize, toArray } from './chunking.js';
import type { Job } from './job.js';
import type { FunctionRef } from './protocol.js';
import type { Scheduler } from './scheduler.js';
import { knownRef, resolveRef, type TaskTarget } from './target-ref.js';

/** One call `fn(...args)` as a job; its result, or its error. */
export function submitCall(
  scheduler: Scheduler,
  fn: TaskTarget,
  args: unknown[],
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const known = knownRef(fn);
  if (known !== undefined && signal === undefined) {
    // The common case, without an await: a function seen before, no signal.
    return scheduler.submit(known, args, false, true, timeout).promise;
  }
  const release = scheduler.reserve();
  return (async () => {
    let ref: FunctionRef;
    try {
      if (signal?.aborted) throw abortError(signal);
      ref = await resolveRef(fn);
    } catch (error) {
      release();
      throw error;
    }
    const submit = () => scheduler.submit(ref, args, false, true, timeout);
    return (await feed(1, 1, submit, signal, release))[0];
  })();
}

/**
 * `map`/`starmap`: the input as chunks; the results in order, or the first error (fail-fast).
 * Chunks enter the pool as earlier ones finish, at most `2 * processes * window.max` at a time,
 * as Python's task handler feeds its queue: 100k one-item chunks are not 100k live jobs.
 */
export async function submitMap(
  scheduler: Scheduler,
  fn: TaskTarget,
  items: Iterable<unknown> | AsyncIterable<unknown>,
  chunksize: number | undefined,
  star: boolean,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const release = scheduler.reserve();
  try {
    const list = await toArray(items);
    if (signal?.aborted) throw abortError(signal);
    if (list.length === 0) return [];
    const ref = await resolveRef(fn);
    const size = chunksize ?? defaultChunksize(list.length, scheduler.processes);
    const chunks = chunkArray(list, size);
    const submit = (i: number) => scheduler.submit(ref, chunks[i]!, true, star, Number.POSITIVE_INFINITY);
    const limit = 2 * scheduler.processes * scheduler.window.max;
    return concat((await feed(chunks.length, limit, submit, signal, release)) as unknown[][]);
  } finally {
    release();
  }
}

/** The chunks' results as one array (Array.prototype.flat is several times slower). */
function concat(chunks: unknown[][]): unknown[] {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Array<unknown>(n);
  let i = 0;
  for (const c of chunks) for (const v of c) out[i++] = v;
  return out;
}

/**
 * Submit `count` jobs, at most `limit` unsettled at a time, and collect their values in order.
 * The first failure rejects at once and cancels the jobs out (fail-fast); aborting `signal`
 * rejects with AbortError and also stops running tasks. `release` is called once nothing more
 * will be submitted (the pool may then count itself idle when the last job leaves).
 */
function feed(
  count: number,
  limit: number,
  submit: (i: number) => Job,
  signal: AbortSignal | undefined,
  release: () => void,
): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    const values = new Array<unknown>(count);
    const out = new Set<Job>();
    let next = 0;
    let left = count;
    let over = false;
    const fail = (error: unknown, kill: boolean) => {
      if (over) return;
      over = true;
      signal?.removeEventListener('abort', onAbort);
      release();
      const cancelled = kill
        ? (error as Error)
        : new MultiprocError('cancelled: another task of this map failed', 'ERR_CANCELLED');
      for (const job of out) job.cancel(cancelled, kill);
      reject(error);
    };
    const onAbort = () => fail(abortError(signal), true);
    const more = () => {
      while (!over && next < count && out.size < limit) {
        const i = next++;
        const job = submit(i);
        out.add(job);
        job.promise.then(
          (value) => {
            out.delete(job);
            values[i] = value;
            if (--left === 0 && !over) {
              over = true;
              signal?.removeEventListener('abort', onAbort);
              resolve(values);
            } else more();
          },
          (error) => {
            out.delete(job);
            fail(error, false);
          },
        );
      }
      if (next === count) release();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    more();
  });
}

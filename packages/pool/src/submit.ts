import { abortError, MultiprocError } from '@multiproc/wire';
import { chunkArray, defaultChunksize, toArray } from './chunking.js';
import type { Job } from './job.js';
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
    let job: Job;
    try {
      if (signal?.aborted) throw abortError(signal);
      job = scheduler.submit(await resolveRef(fn), args, false, true, timeout);
    } finally {
      release();
    }
    return settleWith([job], signal, (values) => values[0]);
  })();
}

/** `map`/`starmap`: the input as chunks; the results in order, or the first error (fail-fast). */
export async function submitMap(
  scheduler: Scheduler,
  fn: TaskTarget,
  items: Iterable<unknown> | AsyncIterable<unknown>,
  chunksize: number | undefined,
  star: boolean,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const release = scheduler.reserve();
  let jobs: Job[];
  try {
    const list = await toArray(items);
    if (signal?.aborted) throw abortError(signal);
    if (list.length === 0) return [];
    const ref = await resolveRef(fn);
    const size = chunksize ?? defaultChunksize(list.length, scheduler.processes);
    jobs = chunkArray(list, size).map((c) => scheduler.submit(ref, c, true, star, Number.POSITIVE_INFINITY));
  } finally {
    release();
  }
  return settleWith(jobs, signal, (chunks) => concat(chunks as unknown[][]));
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
 * Wait for every job; the first failure rejects at once and cancels the rest
 * (fail-fast). Aborting `signal` rejects with AbortError and also stops running tasks.
 */
function settleWith<T>(
  jobs: Job[],
  signal: AbortSignal | undefined,
  combine: (values: unknown[]) => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const values = new Array<unknown>(jobs.length);
    let left = jobs.length;
    let over = false;
    const finish = () => {
      over = true;
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown, kill: boolean) => {
      if (over) return;
      finish();
      const cancelled = kill
        ? (error as Error)
        : new MultiprocError('cancelled: another task of this map failed', 'ERR_CANCELLED');
      for (const job of jobs) job.cancel(cancelled, kill);
      reject(error);
    };
    const onAbort = () => fail(abortError(signal), true);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    jobs.forEach((job, i) => {
      job.promise.then(
        (value) => {
          values[i] = value;
          if (--left === 0 && !over) {
            finish();
            resolve(combine(values));
          }
        },
        (error) => fail(error, false),
      );
    });
  });
}

import type { MultiprocError } from '@multiproc/wire';
import type { FunctionRef } from './protocol.js';
import type { WorkerHandle } from './worker-handle.js';

/** Where a job is: waiting for room (maxQueue), in p-queue, waiting for a worker slot, or at a worker. */
export type JobStage = 'admission' | 'queued' | 'waiting' | 'worker' | 'gone';

/** What happens to a job that leaves a worker: it is finished, or it goes back to the queue's front. */
export type LeaveOutcome = 'done' | 'requeue';

const noop = () => {};

/** Whoever holds a job now: the queue, the dispatcher's waiting line, or a worker. */
export interface JobHolder {
  /** Take the job back; `kill` also stops it if a worker is running it. */
  withdraw(job: Job, kill: boolean): void;
}

/**
 * One unit sent to a worker: a single call (`apply`) or a chunk of calls
 * (`map`, `imap`). Its promise settles exactly once; the job may stay at a
 * worker after that (a cancelled task that is running) until the worker
 * answers, so the pool's accounting always matches what the worker holds.
 */
export class Job {
  readonly submittedAt = performance.now();
  /** When a worker started it, as the pool infers it (the oldest task a worker holds is running). */
  startedAt = -1;
  stage: JobStage = 'admission';
  settled = false;
  ok = false;
  /** A stolen job: cancelled at a busy worker so that an idle one can run it. */
  stealing = false;
  worker: WorkerHandle | null = null;
  /** The results of a failed chunk before the failing item (imap yields them before throwing). */
  partial: unknown[] | undefined;
  readonly promise: Promise<unknown>;
  /** Set by whoever takes the job (a field, not a closure per job: a burst holds 100k of them). */
  holder: JobHolder | null = null;
  /** Frees the job's slot once it has left the pool for good. */
  release: () => void = noop;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;

  constructor(
    readonly id: number,
    readonly fn: FunctionRef,
    readonly fnId: number,
    /** `args` of one call, or the items of a chunk. */
    readonly payload: unknown[],
    readonly chunk: boolean,
    readonly star: boolean,
    /** Milliseconds the task may run once started. */
    readonly timeout: number,
    readonly onSettle: (job: Job) => void,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Number of user-visible tasks in this job. */
  get size(): number {
    return this.chunk ? this.payload.length : 1;
  }

  resolve(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.ok = true;
    this.#resolve(value);
    this.onSettle(this);
  }

  reject(error: unknown, partial?: unknown[]): void {
    if (this.settled) return;
    this.settled = true;
    this.partial = partial;
    this.#reject(error);
    this.onSettle(this);
  }

  /** Settle with `error` now and take the job back from wherever it is. */
  cancel(error: Error | MultiprocError, kill: boolean): void {
    if (this.settled) return;
    this.reject(error);
    this.holder?.withdraw(this, kill);
  }
}

import type { MultiprocError } from '@multiproc/wire';
import type { Job, JobHolder } from './job.js';
import type { WorkerHandle } from './worker-handle.js';
import type { WorkerSet } from './worker-set.js';

/**
 * Moves jobs that p-queue let out onto workers: at once when a worker can
 * take one, else in the `waiting` line (requeued jobs at its front) until a
 * slot frees. Knows every job not yet finished, so the pool can tell when
 * it is idle.
 */
export class Dispatcher implements JobHolder {
  /** Jobs out of p-queue waiting for a worker slot. */
  readonly waiting: Job[] = [];
  readonly #pending = new Set<Job>();
  #reserved = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(
    readonly workers: WorkerSet,
    /** Called whenever the last pending job is done. */
    readonly onIdle: () => void,
  ) {}

  track(job: Job): void {
    this.#pending.add(job);
  }

  /** The job has a slot; it keeps it until it has left for good (then `release` is called). */
  start(job: Job, release: () => void): void {
    job.release = release;
    this.dispatch(job, false);
  }

  dispatch(job: Job, front: boolean): void {
    const worker = front || this.waiting.length === 0 ? this.workers.pick() : null;
    if (worker !== null) {
      if (!worker.assign(job)) this.done(job);
      return;
    }
    job.stage = 'waiting';
    job.holder = this;
    if (front) this.waiting.unshift(job);
    else this.waiting.push(job);
  }

  withdraw(job: Job): void {
    const i = this.waiting.indexOf(job);
    if (i >= 0) this.waiting.splice(i, 1);
    this.done(job);
  }

  pump(): void {
    while (this.waiting.length > 0) {
      const worker = this.workers.pick();
      if (worker === null) return;
      const job = this.waiting.shift()!;
      if (!worker.assign(job)) this.done(job);
    }
  }

  /** An idle worker, with nothing else to do, takes a task another worker holds but has not started. */
  steal(idle: WorkerHandle, queued: number): void {
    if (!idle.canTake() || idle.jobs.length > 0 || this.waiting.length > 0 || queued > 0) return;
    this.workers.victim()?.steal();
  }

  done(job: Job): void {
    if (job.stage === 'gone') return;
    job.stage = 'gone';
    job.holder = null;
    this.#pending.delete(job);
    job.release();
    this.#checkIdle();
  }

  failAll(error: MultiprocError): void {
    for (const job of [...this.#pending]) job.cancel(error, false);
  }

  /** Hold the pool open for a submission still on its way in; call the result once it is submitted. */
  reserve(): () => void {
    this.#reserved++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#reserved--;
      this.#checkIdle();
    };
  }

  busy(): boolean {
    return this.#pending.size > 0 || this.#reserved > 0;
  }

  /** Resolves when every submitted task has settled and left its worker. */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #checkIdle(): void {
    if (this.busy()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.onIdle();
  }
}

import { TimeoutError } from '@multiproc/wire';
import type { Job } from './job.js';

/**
 * The tasks a worker holds, oldest first: the mirror of the worker's own
 * line. The worker runs them one at a time in this order, so the first is
 * the one running; its start time and its timeout are kept here.
 */
export class HeldJobs {
  readonly list: Job[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    /** The first task became the running one. */
    readonly onStart: (job: Job) => void,
    /** The running task overran its timeout (it is already rejected with TimeoutError). */
    readonly onTimeout: (job: Job) => void,
  ) {}

  get length(): number {
    return this.list.length;
  }

  push(job: Job): void {
    this.list.push(job);
    if (this.list.length === 1) this.#startHead();
  }

  /** Position of the task with this id; -1 (the wire's "the running one") maps to 0. */
  find(id: number): number {
    if (id === -1 || this.list[0]?.id === id) return this.list.length > 0 ? 0 : -1;
    return this.list.findIndex((j) => j.id === id);
  }

  remove(i: number): Job {
    // shift() for the usual case; no array destructuring (an iterator per call until optimized).
    const job = (i === 0 ? this.list.shift() : this.list.splice(i, 1)[0]) as Job;
    if (i === 0) {
      this.#clearTimer();
      if (this.list.length > 0) this.#startHead();
    }
    return job;
  }

  /** Everything, when the worker is gone. */
  clear(): Job[] {
    this.#clearTimer();
    return this.list.splice(0);
  }

  #startHead(): void {
    const job = this.list[0]!;
    job.startedAt = performance.now();
    this.onStart(job);
    if (job.settled || job.timeout === Number.POSITIVE_INFINITY) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      job.reject(new TimeoutError(`task timed out after ${job.timeout} ms; its worker is replaced`));
      this.onTimeout(job);
    }, job.timeout);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

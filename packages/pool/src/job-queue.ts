import PQueue from 'p-queue';
import type { Job } from './job.js';

const DONE = Promise.resolve();

/**
 * Where submitted jobs wait for a worker slot: p-queue, with one slot per
 * task the workers can hold, and in front of it the admission line that
 * keeps at most `maxQueue` jobs in p-queue (backpressure).
 *
 * A job cancelled while it waits in p-queue is marked gone and its entry
 * does nothing when p-queue reaches it: O(1) per cancel (taking an entry out
 * of p-queue's array is O(n)), no AbortSignal per task, and every p-queue
 * promise still settles (`clear()` would leave them pending).
 */
export class JobQueue {
  readonly #queue: PQueue;
  readonly #admission: Job[] = [];
  #queued = 0;
  #roomWaiters: Array<() => void> = [];

  constructor(
    concurrency: number,
    readonly maxQueue: number,
    /** Runs a job once p-queue gives it a slot; the slot is held until the promise resolves. */
    readonly start: (job: Job) => Promise<void>,
    /** A job withdrawn while waiting here. */
    readonly forget: (job: Job) => void,
  ) {
    this.#queue = new PQueue({ concurrency });
  }

  set concurrency(n: number) {
    this.#queue.concurrency = Math.max(1, n);
  }

  /** Jobs waiting here, admission line included. */
  get size(): number {
    return this.#admission.length + this.#queued;
  }

  add(job: Job): void {
    if (this.hasRoom()) {
      this.#enqueue(job);
      return;
    }
    this.#admission.push(job);
    job.withdraw = () => {
      this.#admission.splice(this.#admission.indexOf(job), 1);
      this.forget(job);
    };
  }

  /** Whether a job added now enters p-queue at once (fewer than maxQueue waiting). */
  hasRoom(): boolean {
    return this.#admission.length === 0 && this.#queued < this.maxQueue;
  }

  /** Calls `wake` once there is room; returns its canceller. */
  onRoom(wake: () => void): () => void {
    if (this.hasRoom()) {
      wake();
      return () => {};
    }
    this.#roomWaiters.push(wake);
    return () => {
      const i = this.#roomWaiters.indexOf(wake);
      if (i >= 0) this.#roomWaiters.splice(i, 1);
    };
  }

  #enqueue(job: Job): void {
    job.stage = 'queued';
    this.#queued++;
    job.withdraw = () => {
      this.#queued--;
      this.forget(job);
      this.#admit();
    };
    this.#queue.add(() => this.#run(job)).catch(() => {});
  }

  #run(job: Job): Promise<void> {
    if (job.stage === 'gone') return DONE;
    this.#queued--;
    this.#admit();
    return this.start(job);
  }

  #admit(): void {
    while (this.#admission.length > 0 && this.#queued < this.maxQueue)
      this.#enqueue(this.#admission.shift()!);
    if (this.#roomWaiters.length > 0 && this.hasRoom())
      for (const wake of this.#roomWaiters.splice(0)) wake();
  }
}

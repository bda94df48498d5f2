import PQueue from 'p-queue';
import type { Job } from './job.js';

/** The line is compacted once this many taken jobs sit at its front. */
const COMPACT_AT = 4096;

/**
 * Where submitted jobs wait for a worker slot: a FIFO line whose slots
 * p-queue runs, and in front of it the admission line that keeps at most
 * `maxQueue` jobs in the line (backpressure).
 *
 * p-queue runs one task per slot in use (concurrency = the slots the
 * workers offer), and that task takes jobs from the line in order, one at a
 * time, each holding the slot until it has left the pool for good. One
 * p-queue task per job cost ~5 us and a dozen allocations each (its options
 * copy, id, Symbol, Map entry, async wrapper): a third of the parent's CPU
 * per task under load. Per slot, p-queue's work is paid once per burst.
 *
 * A job cancelled while it waits in the line is marked gone and skipped
 * when its turn comes: O(1) per cancel.
 */
export class JobQueue {
  readonly #queue: PQueue;
  readonly #admission: Job[] = [];
  #line: Job[] = [];
  #head = 0;
  /** Slot tasks given to p-queue and not yet ended. */
  #slots = 0;
  #queued = 0;
  #roomWaiters: Array<() => void> = [];

  constructor(
    concurrency: number,
    readonly maxQueue: number,
    /** Runs a job once it has a slot; the slot is held until the promise resolves. */
    readonly start: (job: Job) => Promise<void>,
    /** A job withdrawn while waiting here. */
    readonly forget: (job: Job) => void,
  ) {
    this.#queue = new PQueue({ concurrency });
  }

  set concurrency(n: number) {
    this.#queue.concurrency = Math.max(1, n);
    this.#openSlots();
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
    this.#line.push(job);
    this.#openSlots();
  }

  /** Give p-queue a slot task for each job waiting, up to its concurrency. */
  #openSlots(): void {
    while (this.#slots < this.#queue.concurrency && this.#queued > 0) {
      this.#slots++;
      this.#queue.add(() => this.#slot()).catch(() => {});
    }
  }

  /** One slot: jobs from the line in order until it is empty or the slots shrank below it. */
  async #slot(): Promise<void> {
    try {
      for (;;) {
        if (this.#slots > this.#queue.concurrency) return;
        const job = this.#take();
        if (job === undefined) return;
        await this.start(job);
      }
    } finally {
      this.#slots--;
      this.#openSlots();
    }
  }

  /** The next job that is still waiting (withdrawn ones are skipped), counted out of the line. */
  #take(): Job | undefined {
    while (this.#head < this.#line.length) {
      const job = this.#line[this.#head++]!;
      if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#line.length) {
        this.#line = this.#line.slice(this.#head);
        this.#head = 0;
      }
      if (job.stage === 'gone') continue;
      this.#queued--;
      this.#admit();
      return job;
    }
    this.#line = [];
    this.#head = 0;
    return undefined;
  }

  #admit(): void {
    while (this.#admission.length > 0 && this.#queued < this.maxQueue)
      this.#enqueue(this.#admission.shift()!);
    if (this.#roomWaiters.length > 0 && this.hasRoom())
      for (const wake of this.#roomWaiters.splice(0)) wake();
  }
}

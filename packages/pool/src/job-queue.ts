import PQueue from 'p-queue';
import type { Job, JobHolder } from './job.js';

/** The line is compacted once this many taken jobs sit at its front. */
const COMPACT_AT = 4096;
const RESOLVED = Promise.resolve();

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
export class JobQueue implements JobHolder {
  readonly #queue: PQueue;
  readonly #admission: Job[] = [];
  #line: Array<Job | undefined> = [];
  #head = 0;
  /** Slot tasks given to p-queue and not yet ended (parked ones included). */
  #slots = 0;
  /**
   * Slots whose line ran empty, waiting for the next job instead of ending: a lone `apply` then
   * costs no p-queue task (its add and completion were a third of the parent's JavaScript per
   * sequential call, and the most code for V8 to compile while warming up).
   */
  readonly #parked: Array<() => void> = [];
  #queued = 0;
  #roomWaiters: Array<() => void> = [];

  constructor(
    concurrency: number,
    readonly maxQueue: number,
    /** Runs a job once it has a slot; the slot is held until `release` is called. */
    readonly start: (job: Job, release: () => void) => void,
    /** A job withdrawn while waiting here. */
    readonly forget: (job: Job) => void,
  ) {
    this.#queue = new PQueue({ concurrency });
  }

  set concurrency(n: number) {
    const concurrency = Math.max(1, n);
    if (concurrency !== this.#queue.concurrency) this.#queue.concurrency = concurrency;
    // Slots beyond the new concurrency end; busy ones do when their job leaves.
    while (this.#slots > concurrency && this.#parked.length > 0) this.#parked.pop()!();
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
    job.holder = this;
  }

  withdraw(job: Job): void {
    if (job.stage === 'admission') {
      this.#admission.splice(this.#admission.indexOf(job), 1);
      this.forget(job);
    } else if (job.stage === 'queued') {
      // Marked gone by forget(); skipped when its turn in the line comes.
      this.#queued--;
      this.forget(job);
      this.#admit();
    }
  }

  /** Whether a job added now enters the line at once (fewer than maxQueue waiting). */
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
    job.holder = this;
    this.#queued++;
    this.#line.push(job);
    const parked = this.#parked.pop();
    if (parked !== undefined) parked();
    else this.#openSlots();
  }

  /** Give p-queue a slot task for each job waiting, up to its concurrency. */
  #openSlots(): void {
    while (this.#slots < this.#queue.concurrency && this.#queued > 0) {
      this.#slots++;
      this.#queue.add(() => this.#slot()).catch(() => {});
    }
  }

  /**
   * One slot: jobs from the line in order; parked while the line is empty, ended once the slots
   * shrank below it. Driven by release callbacks rather than a promise and an await per job; a
   * job released at once (its arguments could not be sent) lets the loop go on without recursion.
   */
  #slot(): Promise<void> {
    return new Promise<void>((end) => {
      // One release callback per slot, not a closure per job: a slot holds one job at a time.
      let starting = false;
      let releasedEarly = false;
      const release = (): void => {
        if (starting) releasedEarly = true;
        else if (this.#queued === 0 && this.#slots <= this.#queue.concurrency) this.#parked.push(run);
        // After the rest of the results that came with this one: the freed slots are then filled
        // together (one batch per worker) and a worker that ran dry is seen as such. A promise
        // reaction, not queueMicrotask (an AsyncResource per call in Node).
        else RESOLVED.then(run);
      };
      const run = (): void => {
        for (;;) {
          if (this.#slots > this.#queue.concurrency) {
            this.#slots--;
            end();
            this.#openSlots();
            return;
          }
          const job = this.#take();
          if (job === undefined) {
            this.#parked.push(run);
            return;
          }
          starting = true;
          releasedEarly = false;
          this.start(job, release);
          starting = false;
          if (!releasedEarly) return;
        }
      };
      run();
    });
  }

  /** The next job that is still waiting (withdrawn ones are skipped), counted out of the line. */
  #take(): Job | undefined {
    while (this.#head < this.#line.length) {
      const job = this.#line[this.#head]!;
      // Cleared, not left for the compaction: a steady stream keeps the line from running empty, and
      // up to COMPACT_AT finished jobs (their items and results) would stay reachable from it. The
      // young ones then survive every scavenge, get promoted and grow V8's young generation.
      this.#line[this.#head++] = undefined;
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

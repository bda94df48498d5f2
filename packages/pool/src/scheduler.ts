import { getLogger } from '@multiproc/logging';
import type { MultiprocError, RemoteError } from '@multiproc/wire';
import { Dispatcher } from './dispatcher.js';
import { poolBrokenError, poolTerminatedError } from './errors.js';
import { Job, type LeaveOutcome } from './job.js';
import { JobQueue } from './job-queue.js';
import type { FunctionRef, WorkerSetup } from './protocol.js';
import { SendWindow } from './send-window.js';
import { type PoolStats, StatsRecorder } from './stats.js';
import { WorkerHandle } from './worker-handle.js';
import type { ExitInfo, WorkerOwner } from './worker-owner.js';
import type { WorkerSettings } from './worker-process.js';
import { WorkerSet } from './worker-set.js';

const log = getLogger();

export type PoolState = 'RUN' | 'CLOSE' | 'TERMINATE';

/** Workers that die before READY this many times in a row break the pool instead of respawning for ever. */
const MAX_START_FAILURES = 3;

/**
 * The pool's inside. A job goes: JobQueue (admission, p-queue) → a worker
 * slot (or the `waiting` line until one frees) → a worker → done. Workers
 * that end are replaced; tasks they held but had not started go back to the
 * front of the line. Every job ends settled and released on every path:
 * result, error, worker death, timeout, abort, terminate.
 */
export class Scheduler implements WorkerOwner {
  state: PoolState = 'RUN';
  setup!: WorkerSetup;
  readonly ready: Promise<void>;
  readonly #queue: JobQueue;
  readonly #workers = new WorkerSet();
  readonly #jobs = new Dispatcher(this.#workers, () => {
    if (this.state === 'CLOSE') for (const w of this.#workers.all) w.stop();
  });
  readonly #fnIds = new Map<string, number>();
  /** Per reference object, so a submit builds no key string. */
  readonly #refIds = new WeakMap<FunctionRef, number>();
  readonly window: SendWindow;
  readonly #stats = new StatsRecorder();
  #nextJobId = 1;
  #nextIndex = 1;
  #broken: MultiprocError | null = null;
  #startFailures = 0;
  #readyResolve!: () => void;
  #readyReject!: (e: unknown) => void;

  constructor(
    readonly processes: number,
    maxQueue: number,
    prefetch: number | undefined,
    readonly settings: WorkerSettings,
    setup: Promise<WorkerSetup>,
  ) {
    this.window = new SendWindow(prefetch);
    this.#queue = new JobQueue(
      processes * this.window.size,
      maxQueue,
      (job, release) => this.#jobs.start(job, release),
      (job) => this.#jobs.done(job),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.ready.catch(() => {});
    setup.then(
      (s) => {
        this.setup = s;
        this.#maintain();
      },
      (error) => this.#break('the initializer cannot be loaded', error),
    );
  }

  /** Queue one job: a call (`payload` = args) or a chunk (`payload` = items). */
  submit(fn: FunctionRef, payload: unknown[], chunk: boolean, star: boolean, timeout: number): Job {
    const fnId = this.#refIds.get(fn) ?? this.#fnIdOf(fn);
    const job = new Job(this.#nextJobId++, fn, fnId, payload, chunk, star, timeout, this.#onSettle);
    if (this.#broken !== null || this.state === 'TERMINATE') {
      job.reject(this.#broken ?? poolTerminatedError());
      return job;
    }
    this.#jobs.track(job);
    this.#queue.add(job);
    return job;
  }

  #fnIdOf(fn: FunctionRef): number {
    const key = `${fn.module}#${fn.name}`;
    let fnId = this.#fnIds.get(key);
    if (fnId === undefined) this.#fnIds.set(key, (fnId = this.#fnIds.size + 1));
    this.#refIds.set(fn, fnId);
    return fnId;
  }

  /** Hold the pool open for a submission still on its way in (join() waits for it). */
  reserve(): () => void {
    return this.#jobs.reserve();
  }

  onRoom(wake: () => void): () => void {
    return this.#queue.onRoom(wake);
  }

  close(): void {
    if (this.state !== 'RUN') return;
    log.debug('closing pool');
    this.state = 'CLOSE';
    if (!this.#jobs.busy()) for (const w of this.#workers.all) w.stop();
  }

  async terminate(): Promise<void> {
    if (this.state !== 'TERMINATE') {
      log.debug('terminating pool');
      this.state = 'TERMINATE';
      const error = poolTerminatedError();
      this.#readyReject(error);
      this.#jobs.failAll(error);
      for (const w of this.#workers.all) w.kill('pool terminated', 'SIGTERM');
    }
    await this.#workers.join();
  }

  /** Resolves when every submitted task has settled and left its worker. */
  idle(): Promise<void> {
    return this.#jobs.idle();
  }

  joinWorkers(): Promise<void> {
    return this.#workers.join();
  }

  pids(): number[] {
    return this.#workers.pids();
  }

  stats(): PoolStats {
    const { running, sentAhead } = this.#workers.load();
    return this.#stats.snapshot(
      this.#workers.live(),
      this.#queue.size + this.#jobs.waiting.length + sentAhead,
      running,
      this.window.size,
    );
  }

  readonly #onSettle = (job: Job): void => {
    const ran = job.startedAt >= 0 ? performance.now() - job.startedAt : -1;
    this.#stats.settled(job.ok, job.size, ran);
    if (job.ok && ran >= 0 && this.window.observe(ran)) this.#maintain();
  };

  // --- workers ---------------------------------------------------------------------------------

  /** Keep `processes` workers (while running, or closed with work left) and p-queue's slots in step. */
  #maintain(): void {
    this.#queue.concurrency = this.processes * this.window.size + this.#workers.heldByLeaving();
    if (this.setup === undefined || this.#broken !== null || this.state === 'TERMINATE') return;
    const wanted = this.state === 'RUN' || this.#jobs.busy() ? this.processes : 0;
    for (let live = this.#workers.live(); live < wanted; live++) {
      const worker = new WorkerHandle(this, this.#nextIndex++);
      this.#workers.all.add(worker);
      void worker.start();
    }
  }

  #break(reason: string, cause: unknown): void {
    if (this.#broken !== null || this.state === 'TERMINATE') return;
    this.#broken = poolBrokenError(reason, cause);
    log.error('pool is broken: %s', reason);
    this.#readyReject(this.#broken);
    this.#jobs.failAll(this.#broken);
    for (const w of this.#workers.all) w.kill(reason);
  }

  workerReady(worker: WorkerHandle): void {
    this.#startFailures = 0;
    if (this.#workers.ready() >= this.processes) this.#readyResolve();
    if (this.state === 'CLOSE' && !this.#jobs.busy()) worker.stop();
    this.#jobs.pump();
    this.#jobs.steal(worker, this.#queue.size);
  }

  workerRetiring(): void {
    this.#maintain();
  }

  workerExited(worker: WorkerHandle, info: ExitInfo): void {
    this.#workers.all.delete(worker);
    log.debug('cleaning up worker %d', worker.index);
    if (info.lost !== undefined || (info.exitCode !== 0 && info.killedFor === null)) {
      log.info(
        'worker %s (pid %d) exited with exitcode %d%s',
        worker.name,
        worker.pid ?? 0,
        info.exitCode ?? 0,
        info.lost ? ' while running a task; the task fails with WorkerExitedError' : '',
      );
    }
    if (!info.wasReady && info.killedFor === null && this.state !== 'TERMINATE') {
      if (++this.#startFailures >= MAX_START_FAILURES) {
        const why = info.startError instanceof Error ? `: ${info.startError.message}` : '';
        this.#break(
          `${worker.name} exited with exitcode ${info.exitCode} before it was ready${why}`,
          info.startError,
        );
      }
    }
    this.#maintain();
    this.#jobs.pump();
  }

  initFailed(worker: WorkerHandle, error: RemoteError): void {
    this.#break(`the initializer failed in ${worker.name}: ${error.message}`, error);
  }

  ranDry(): void {
    // It idles for a round trip while tasks wait: they are shorter than the trip, send more ahead.
    if (this.#queue.size + this.#jobs.waiting.length > 0 && this.window.starved()) this.#maintain();
  }

  slotFreed(worker: WorkerHandle): void {
    this.#jobs.pump();
    this.#jobs.steal(worker, this.#queue.size);
  }

  jobStarted(job: Job): void {
    this.#stats.started(job.startedAt, job.submittedAt);
  }

  jobLeft(job: Job, outcome: LeaveOutcome): void {
    job.worker = null;
    job.stealing = false;
    if (outcome === 'requeue' && !job.settled && this.state !== 'TERMINATE' && this.#broken === null) {
      this.#jobs.dispatch(job, true);
      this.#maintain();
    } else this.#jobs.done(job);
  }
}

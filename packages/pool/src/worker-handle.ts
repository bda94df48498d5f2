import type { Process } from '@multiproc/process';
import { type Connection, RemoteError, type RemoteErrorInfo } from '@multiproc/wire';
import { HeldJobs } from './held-jobs.js';
import type { Job, JobHolder } from './job.js';
import { CANCEL, CHUNK, DEFINE, DROPPED, INIT_FAILED, READY, RESULT, RUN, STOP } from './protocol.js';
import type { WorkerOwner } from './worker-owner.js';
import { exitedError, KILL_GRACE_MS, reap, STOP_GRACE_MS, spawnWorker } from './worker-process.js';

type State = 'starting' | 'ready' | 'retiring' | 'exiting' | 'dead';

/**
 * The parent's side of one worker: its Process, its Connection, and the
 * tasks sent to it, oldest first. The worker runs them in that order, so
 * `jobs[0]` is the one running: when the worker dies, that task fails with
 * WorkerExitedError and the others, never started, go back to the queue.
 */
export class WorkerHandle implements JobHolder {
  state: State = 'starting';
  readonly #held = new HeldJobs(
    (job) => this.owner.jobStarted(job),
    (job) => this.kill(`task ${job.id} timed out`),
  );
  /** Tasks sent to it (maxTasksPerChild counts these). */
  sent = 0;
  process: Process | null = null;
  #conn: Connection | null = null;
  readonly #defined = new Set<number>();
  readonly #startJoin = new AbortController();
  #killedFor: string | null = null;
  #stopRequested = false;
  #wasReady = false;
  #startError: unknown;
  #exitHandled = false;
  readonly exited: Promise<void>;
  #markExited!: () => void;
  /** Resolves (with null: no connection) when the pool kills it, to end a start in progress. */
  readonly #killed: Promise<null>;
  #markKilled!: (value: null) => void;

  constructor(
    readonly owner: WorkerOwner,
    readonly index: number,
  ) {
    this.exited = new Promise((resolve) => (this.#markExited = resolve));
    this.#killed = new Promise((resolve) => (this.#markKilled = resolve));
  }

  /** The tasks it holds, oldest (running) first. */
  get jobs(): readonly Job[] {
    return this.#held.list;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get name(): string {
    return this.process?.name ?? `PoolWorker(${this.index})`;
  }

  /** Can it take one more task now? */
  canTake(): boolean {
    const { maxTasksPerChild } = this.owner.settings;
    return (
      this.state === 'ready' &&
      this.jobs.length < this.owner.window.size &&
      (maxTasksPerChild === undefined || this.sent < maxTasksPerChild)
    );
  }

  /** Start the process and wait until it is connected (READY comes later, as a message). */
  async start(): Promise<void> {
    let conn: Connection | null;
    try {
      conn = await spawnWorker(this.owner.settings, this.owner.setup, {
        killed: this.#killed,
        isKilled: () => this.#killedFor !== null,
        onProcess: (proc) => (this.process = proc),
        startJoin: this.#startJoin.signal,
      });
    } catch (error) {
      this.#startError = error;
      conn = null;
    }
    if (conn === null) {
      await this.#onClosed(KILL_GRACE_MS);
      return;
    }
    this.#conn = conn;
    conn.onMessage = this.#onMessage;
    conn.onClose(() => void this.#onClosed(this.#killedFor === null ? STOP_GRACE_MS : KILL_GRACE_MS));
    if (this.#killedFor !== null) conn.close();
    else if (this.#stopRequested) this.stop();
  }

  /** Send `job` to this worker (the scheduler checked canTake()). False if its arguments cannot be sent. */
  assign(job: Job): boolean {
    const conn = this.#conn!;
    try {
      if (!this.#defined.has(job.fnId)) {
        conn.send([DEFINE, job.fnId, job.fn.module, job.fn.name]);
        this.#defined.add(job.fnId);
      }
      conn.send(
        job.chunk ? [CHUNK, job.id, job.fnId, job.payload, job.star] : [RUN, job.id, job.fnId, job.payload],
      );
    } catch (error) {
      job.reject(error);
      return false;
    }
    conn.hold();
    job.stage = 'worker';
    job.worker = this;
    job.holder = this;
    this.#held.push(job);
    this.sent++;
    const max = this.owner.settings.maxTasksPerChild;
    if (max !== undefined && this.sent >= max) this.#retire();
    return true;
  }

  /** Take back the newest task it has not started, for an idle worker to run. */
  steal(): boolean {
    for (let i = this.jobs.length - 1; i >= 1; i--) {
      const job = this.jobs[i]!;
      if (job.settled || job.stealing) continue;
      job.stealing = true;
      this.#send([CANCEL, job.id]);
      return true;
    }
    return false;
  }

  /** Ask it to exit once idle (Python's sentinel); it exits with code 0. */
  stop(): void {
    if (this.state === 'exiting' || this.state === 'dead') return;
    if (this.#conn === null) {
      // Still starting: stopped as soon as it connects, so it exits with code 0 as the others.
      this.#stopRequested = true;
      return;
    }
    this.state = 'retiring';
    this.#send([STOP]);
    this.#conn.close();
  }

  /** End it now. Its running task must already be settled; tasks it had not started are requeued. */
  kill(reason: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGKILL'): void {
    if (this.state === 'exiting' || this.state === 'dead') return;
    this.#killedFor ??= reason;
    this.#markKilled(null);
    this.#retire();
    if (this.process?.isAlive()) {
      if (signal === 'SIGKILL') this.process.kill();
      else this.process.terminate();
    }
    this.#conn?.close();
  }

  #retire(): void {
    if (this.state !== 'starting' && this.state !== 'ready') return;
    this.state = 'retiring';
    this.owner.workerRetiring(this);
  }

  #send(message: unknown[]): void {
    try {
      this.#conn?.send(message);
    } catch {
      // Closed: the close handler accounts for everything.
    }
  }

  withdraw(job: Job, kill: boolean): void {
    const i = this.jobs.indexOf(job);
    if (i === 0) {
      // Running: only a kill stops it; otherwise its result is dropped when it comes.
      if (kill) this.kill(`task ${job.id} was cancelled while running`);
    } else if (i > 0) {
      this.#send([CANCEL, job.id]);
    }
  }

  readonly #onMessage = (m: unknown): void => {
    if (m instanceof Error) {
      // A result this process could not decode: it belongs to the running task.
      this.#finish(0, false, m);
      return;
    }
    if (!Array.isArray(m)) return;
    switch (m[0]) {
      case READY:
        if (this.state === 'starting') this.state = 'ready';
        this.#wasReady = true;
        this.#startJoin.abort();
        this.owner.workerReady(this);
        break;
      case INIT_FAILED:
        this.owner.initFailed(this, new RemoteError(m[1] as RemoteErrorInfo));
        break;
      case RESULT: {
        const i = this.#held.find(m[1] as number);
        if (i >= 0) this.#finish(i, m[2] === true, m[3], m[4] as unknown[] | undefined);
        break;
      }
      case DROPPED: {
        const i = this.#held.find(m[1] as number);
        if (i < 0) break;
        const job = this.#remove(i);
        this.owner.jobLeft(job, job.settled ? 'done' : 'requeue');
        this.owner.slotFreed(this);
        break;
      }
    }
  };

  #finish(i: number, ok: boolean, value: unknown, partial?: unknown[]): void {
    if (this.jobs.length === 0) return;
    const job = this.#remove(i);
    // Before the job frees its slot, which may hand this worker its next task at once.
    if (this.jobs.length === 0) this.owner.ranDry(this);
    if (ok) job.resolve(value);
    else job.reject(value instanceof Error ? value : new RemoteError(value as RemoteErrorInfo), partial);
    this.owner.jobLeft(job, 'done');
    if (this.state === 'retiring' && this.jobs.length === 0 && this.#killedFor === null) this.stop();
    this.owner.slotFreed(this);
  }

  #remove(i: number): Job {
    this.#conn?.release();
    return this.#held.remove(i);
  }

  async #onClosed(graceMs: number): Promise<void> {
    if (this.#exitHandled) return;
    this.#exitHandled = true;
    this.state = 'exiting';
    const { exitCode, signal } = await reap(this.process, graceMs);
    this.#conn?.close();
    this.state = 'dead';
    const jobs = this.#held.clear();
    for (const _ of jobs) this.#conn?.release();
    const lost = jobs[0] !== undefined && !jobs[0].settled ? jobs[0] : undefined;
    lost?.reject(exitedError(this.name, this.pid, exitCode, signal));
    jobs.forEach((job, i) => {
      this.owner.jobLeft(job, i > 0 && !job.settled ? 'requeue' : 'done');
    });
    this.owner.workerExited(this, {
      exitCode,
      signal,
      wasReady: this.#wasReady,
      killedFor: this.#killedFor,
      lost,
      startError: this.#startError,
    });
    this.#markExited();
  }
}

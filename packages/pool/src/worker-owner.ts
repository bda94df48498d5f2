import type { RemoteError } from '@multiproc/wire';
import type { Job, LeaveOutcome } from './job.js';
import type { WorkerSetup } from './protocol.js';
import type { SendWindow } from './send-window.js';
import type { WorkerHandle } from './worker-handle.js';
import type { WorkerSettings } from './worker-process.js';

export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Whether it ever got as far as READY. */
  wasReady: boolean;
  /** Why the pool ended it, if it did. */
  killedFor: string | null;
  /** The task it died with in hand, if any. */
  lost: Job | undefined;
  startError: unknown;
}

/** What a worker handle reports to the scheduler that owns it. */
export interface WorkerOwner {
  readonly settings: WorkerSettings;
  /** How many tasks each worker may hold now. */
  readonly window: SendWindow;
  readonly setup: WorkerSetup;
  workerReady(worker: WorkerHandle): void;
  /** The worker takes no more tasks (task limit reached, or being killed): a replacement is due. */
  workerRetiring(worker: WorkerHandle): void;
  workerExited(worker: WorkerHandle, info: ExitInfo): void;
  initFailed(worker: WorkerHandle, error: RemoteError): void;
  slotFreed(worker: WorkerHandle): void;
  /** The worker finished the last task it held. */
  ranDry(worker: WorkerHandle): void;
  jobStarted(job: Job): void;
  jobLeft(job: Job, outcome: LeaveOutcome): void;
}

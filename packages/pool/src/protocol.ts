/**
 * The pool's messages, one msgpackr array per frame on the private
 * Connection between the pool and each worker. Task ids are per pool.
 * A worker runs its tasks one at a time in the order received, so the
 * parent knows which task a worker is running: the oldest one it holds.
 */

/** Parent -> worker: `[DEFINE, fnId, moduleUrl, exportName]`, sent once per function and worker. */
export const DEFINE = 0;
/** Parent -> worker: `[RUN, taskId, fnId, args]`: call `fn(...args)`. */
export const RUN = 1;
/** Parent -> worker: `[CHUNK, taskId, fnId, items, star]`: `fn(item)` (or `fn(...item)`) for each item. */
export const CHUNK = 2;
/** Parent -> worker: `[CANCEL, taskId]`: drop the task if it has not started (answered by DROPPED). */
export const CANCEL = 3;
/** Parent -> worker: `[STOP]`: the sentinel; the worker exits once idle. */
export const STOP = 4;

/** Worker -> parent: `[READY]`: connected and initialized. */
export const READY = 10;
/** Worker -> parent: `[INIT_FAILED, errorInfo]`: the initializer threw; the worker exits with code 1. */
export const INIT_FAILED = 11;
/**
 * Worker -> parent: `[RESULT, taskId, ok, value | errorInfo, partial?]`. `partial` holds a failed
 * chunk's results before the failing item. `taskId` is -1 when the task's own message could not be
 * decoded: the result then belongs to the oldest task the worker holds.
 */
export const RESULT = 12;
/** Worker -> parent: `[DROPPED, taskId]`: a cancelled task was removed before it started. */
export const DROPPED = 13;

/** Where a function lives: what the worker imports. */
export interface FunctionRef {
  module: string;
  name: string;
}

/** The worker-main task's second argument. */
export interface WorkerSetup {
  initializer: FunctionRef | null;
  initargs: unknown[];
}

/** The window never shrinks below this: a worker always has its next task at hand. */
export const MIN_WINDOW = 2;
/** Nor grows above this: bounds what a dying worker hands back and what stealing must undo. */
export const MAX_WINDOW = 64;
/** A task that ran this long shows tasks are not trivial: the window halves. */
const LONG_TASK_MS = 2;

/**
 * How many tasks a worker may hold: the one it runs and those sent ahead.
 *
 * With a fixed `prefetch` that is the answer. Otherwise it adapts: it starts
 * at two, doubles each time a worker ran out of tasks while others were
 * waiting in the pool (the worker idled for a round trip: tasks are shorter
 * than the trip), and halves each time two tasks in a row ran for
 * milliseconds. Trivial tasks so go out in batches (one socket write for
 * many, workers never idle), while long ones stay at two per worker and
 * cannot pile up behind a busy one. Only events move it, not averages, and a
 * single slow result (a GC pause in the parent) moves nothing.
 */
export class SendWindow {
  #size: number;
  #lastLong = false;

  constructor(readonly fixed: number | undefined) {
    this.#size = fixed ?? MIN_WINDOW;
  }

  get size(): number {
    return this.#size;
  }

  /** The largest window this pool may use (for buffers sized from it). */
  get max(): number {
    return this.fixed ?? MAX_WINDOW;
  }

  /** A worker ran out of tasks with more waiting. Returns true when the size changed. */
  starved(): boolean {
    return this.#set(Math.min(MAX_WINDOW, this.#size * 2));
  }

  /**
   * A task ran for `ms` (as the parent sees it: from the previous result to its own). Two long
   * ones in a row halve the window: one alone may be a GC pause or a preempted parent.
   */
  observe(ms: number): boolean {
    const long = ms >= LONG_TASK_MS;
    const twice = long && this.#lastLong;
    this.#lastLong = long;
    return twice && this.#set(Math.max(MIN_WINDOW, this.#size >> 1));
  }

  #set(size: number): boolean {
    if (this.fixed !== undefined || size === this.#size) return false;
    this.#size = size;
    return true;
  }
}

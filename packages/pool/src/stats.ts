/** Percentiles of a latency, in milliseconds. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

/** What `pool.stats()` returns. */
export interface PoolStats {
  /** Workers that are up or starting. */
  workers: number;
  /** Tasks submitted and not yet running (waiting in the pool, or sent ahead to a busy worker). */
  queued: number;
  /** Tasks a worker is running now. */
  running: number;
  /** Tasks that succeeded (a `map` chunk counts once per item). */
  completed: number;
  /** Tasks that failed: a task error, a worker that died, a timeout or an abort. */
  failed: number;
  /** Time a task ran in its worker, as seen by the pool (last 1024 tasks). */
  runTime: Percentiles;
  /** Time from submission until a worker started the task (last 1024 tasks). */
  waitTime: Percentiles;
  /** Tasks each worker may hold now: the `prefetch` option, or where the adaptive window stands. */
  prefetch: number;
}

const WINDOW = 1024;

/** A ring of the latest samples; percentiles sort a copy on demand (stats() is rare, tasks are many). */
export class Samples {
  readonly #values = new Float64Array(WINDOW);
  #count = 0;

  add(ms: number): void {
    this.#values[this.#count++ % WINDOW] = ms;
  }

  percentiles(): Percentiles {
    const n = Math.min(this.#count, WINDOW);
    if (n === 0) return { p50: 0, p90: 0, p99: 0 };
    const sorted = this.#values.slice(0, n).sort();
    const at = (q: number) => round(sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Counters and latency samples, fed as tasks start and settle. */
export class StatsRecorder {
  completed = 0;
  failed = 0;
  readonly runTime = new Samples();
  readonly waitTime = new Samples();

  started(startedAt: number, submittedAt: number): void {
    this.waitTime.add(startedAt - submittedAt);
  }

  /** `ranMs`: how long it ran, or -1 if it never started. */
  settled(ok: boolean, size: number, ranMs: number): void {
    if (ok) this.completed += size;
    else this.failed++;
    if (ranMs >= 0) this.runTime.add(ranMs);
  }

  snapshot(workers: number, queued: number, running: number, prefetch: number): PoolStats {
    return {
      workers,
      queued,
      running,
      completed: this.completed,
      failed: this.failed,
      runTime: this.runTime.percentiles(),
      waitTime: this.waitTime.percentiles(),
      prefetch,
    };
  }
}

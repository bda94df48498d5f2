import type { WorkerHandle } from './worker-handle.js';

/** The pool's workers, with the choices the scheduler makes among them. */
export class WorkerSet {
  readonly all = new Set<WorkerHandle>();

  get size(): number {
    return this.all.size;
  }

  /**
   * Where the next task goes: an idle worker first; a task goes ahead to a
   * busy worker only when no worker is starting, so a slow start never
   * leaves a task queued behind a busy worker while the new one would idle.
   */
  pick(): WorkerHandle | null {
    let best: WorkerHandle | null = null;
    let starting = false;
    for (const w of this.all) {
      if (w.state === 'starting') starting = true;
      if (!w.canTake()) continue;
      if (w.jobs.length === 0) return w;
      if (best === null || w.jobs.length < best.jobs.length) best = w;
    }
    return starting ? null : best;
  }

  /** The worker holding the most tasks it has not started (at least one), to steal from. */
  victim(): WorkerHandle | null {
    let victim: WorkerHandle | null = null;
    for (const w of this.all)
      if (w.jobs.length > 1 && (victim === null || w.jobs.length > victim.jobs.length)) victim = w;
    return victim;
  }

  /** Workers that are up or starting (the ones that count towards `processes`). */
  live(): number {
    let n = 0;
    for (const w of this.all) if (w.state === 'starting' || w.state === 'ready') n++;
    return n;
  }

  ready(): number {
    let n = 0;
    for (const w of this.all) if (w.state === 'ready') n++;
    return n;
  }

  /** Tasks still held by workers on their way out. */
  heldByLeaving(): number {
    let n = 0;
    for (const w of this.all) if (w.state !== 'starting' && w.state !== 'ready') n += w.jobs.length;
    return n;
  }

  /** Workers running a task, and tasks sent ahead to them. */
  load(): { running: number; sentAhead: number } {
    let running = 0;
    let sentAhead = 0;
    for (const w of this.all) {
      if (w.jobs.length === 0) continue;
      running++;
      sentAhead += w.jobs.length - 1;
    }
    return { running, sentAhead };
  }

  pids(): number[] {
    const pids: number[] = [];
    for (const w of this.all) if (w.pid !== undefined && w.state !== 'dead') pids.push(w.pid);
    return pids;
  }

  async join(): Promise<void> {
    while (this.all.size > 0) await Promise.all([...this.all].map((w) => w.exited));
  }
}

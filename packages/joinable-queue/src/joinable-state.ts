import { QueueState, whileHeld } from '@multiproc/queue';
import { MultiprocError, type RequestContext, type WaitOptions, waitWithDeadline } from '@multiproc/wire';

export function tooManyTaskDone(): MultiprocError {
  return new MultiprocError('task_done() called too many times', 'ERR_TASK_DONE');
}

/**
 * The owner's side of a JoinableQueue: a Queue's state plus the count of
 * unfinished items, raised by every put and lowered by every taskDone.
 */
export class JoinableState<T> extends QueueState<T> {
  #unfinished = 0;
  readonly #joiners = new Set<() => void>();

  /** Items put and not yet marked done. */
  get unfinished(): number {
    return this.#unfinished;
  }

  protected override onAccept(): void {
    this.#unfinished++;
  }

  taskDone(): void {
    if (this.#unfinished <= 0) throw tooManyTaskDone();
    if (--this.#unfinished > 0) return;
    const joiners = [...this.#joiners];
    this.#joiners.clear();
    for (const wake of joiners) wake();
  }

  /** Resolves `true` once every item put has been marked done; `false` on timeout. */
  join(options?: WaitOptions): Promise<boolean> {
    return whileHeld(() =>
      waitWithDeadline<boolean>(
        options,
        (resolve) => this.#whenDone(resolve),
        () => false,
      ),
    );
  }

  /** A tick's taskDone casts from one proxy in one call (the proxy has checked each against its gets). */
  override castsHandler(op: string): ((values: unknown[], ctx: RequestContext) => unknown) | undefined {
    return op === 'taskDone' ? this.#doneAll : super.castsHandler(op);
  }

  readonly #doneAll = (values: unknown[]): void => {
    for (let i = 0; i < values.length; i++) this.taskDone();
  };

  override handle(op: string, args: unknown[], ctx: RequestContext): unknown {
    if (op === 'taskDone') return this.taskDone();
    if (op === 'join') {
      return new Promise<boolean>((resolve) => {
        const cancel = this.#whenDone(resolve);
        ctx.signal?.addEventListener('abort', () => {
          cancel();
          resolve(false);
        });
      });
    }
    return super.handle(op, args, ctx);
  }

  /**
   * Calls `done(true)` when the count is zero and stays zero after every
   * producer process has flushed its puts (a remote put resolves before the
   * owner reads it; the sync round makes join() see every put that resolved).
   */
  #whenDone(done: (value: boolean) => void): () => void {
    let active = true;
    const attempt = (): void => {
      if (!active) return;
      if (this.#unfinished > 0) {
        this.#joiners.add(attempt);
        return;
      }
      this.producers.sync(this.id).then(() => {
        if (!active) return;
        if (this.#unfinished > 0) attempt();
        else {
          active = false;
          done(true);
        }
      });
    };
    attempt();
    return () => {
      active = false;
      this.#joiners.delete(attempt);
    };
  }
}

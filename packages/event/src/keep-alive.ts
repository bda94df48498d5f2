/**
 * Keeps the event loop alive while something in this process waits.
 *
 * One ref-counted timer for the whole process: `hold()` refs it, the last
 * `release()` unrefs it again, so an idle Event never keeps a process alive
 * and a pending `wait()` on the owner always does. (A proxy's pending request
 * is held by wire's HostLink.)
 */
let holds = 0;
let keeper: NodeJS.Timeout | null = null;

export function hold(): void {
  if (holds++ === 0) {
    keeper ??= setInterval(() => {}, 2 ** 30);
    keeper.ref();
  }
}

export function release(): void {
  if (holds > 0 && --holds === 0) keeper?.unref();
}

/** Holds the process while `promise` is pending. */
export function holding<T>(promise: Promise<T>): Promise<T> {
  hold();
  return promise.finally(release);
}

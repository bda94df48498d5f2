/**
 * One timer per process, referenced only while some owner-side wait is
 * pending: an owner has no link to hold, and a process blocked in `get()`,
 * `wait()` or `join()` must not exit under the waiter, while an idle handle
 * never keeps a process alive (SPEC §3). Requests to other hosts are held by
 * HostLink itself. Shared by every primitive so there is one counter.
 */
let timer: NodeJS.Timeout | null = null;
let holds = 0;

/** Keep the process alive until the matching `releaseProcess()`. */
export function holdProcess(): void {
  if (holds++ === 0) {
    timer ??= setInterval(() => {}, 1 << 30);
    timer.ref();
  }
}

export function releaseProcess(): void {
  if (holds > 0 && --holds === 0) timer?.unref();
}

/** Runs `fn` holding the process until the promise it returns settles. */
export function whileHeld<T>(fn: () => Promise<T>): Promise<T> {
  holdProcess();
  let p: Promise<T>;
  try {
    p = fn();
  } catch (error) {
    releaseProcess();
    return Promise.reject(error);
  }
  return p.finally(releaseProcess);
}

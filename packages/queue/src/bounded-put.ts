import { abortError, checkTimeout, QueueFullError, type WaitOptions } from '@multiproc/wire';

/**
 * A remote put into a bounded queue: a request that waits at the owner while
 * the queue is full. On timeout or abort it is withdrawn, and the owner's
 * answer still says whether the item had gone in by then: a put that
 * rejects never left its item behind, so a retry cannot duplicate it. (The
 * wait may thus outlast `timeout` by one round trip.)
 */
export function boundedPut(
  send: (signal: AbortSignal) => Promise<unknown>,
  options?: WaitOptions,
): Promise<void> {
  const timeout = checkTimeout(options?.timeout);
  const signal = options?.signal;
  const controller = new AbortController();
  let why: 'timeout' | 'abort' | null = null;
  const timer =
    timeout === Number.POSITIVE_INFINITY
      ? undefined
      : setTimeout(() => {
          why ??= 'timeout';
          controller.abort();
        }, timeout);
  const onAbort = () => {
    why ??= 'abort';
    controller.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return send(controller.signal)
    .then((accepted) => {
      if (accepted !== false) return;
      throw why === 'abort' ? abortError(signal) : new QueueFullError();
    })
    .finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
}

import { ConnectionClosedError } from './errors.js';
import { NO_MESSAGE } from './inbox.js';

/**
 * `for await` over a connection: every message until end of stream. A plain
 * iterator rather than an async generator, so a message already received
 * costs one resolved promise, not a generator resumption (about a third of a
 * busy receiver's time). `ready()` returns a queued message or `NO_MESSAGE`;
 * `recv()` waits for the next one. Breaking out loses nothing: messages not
 * yet taken stay queued.
 */
export function messageIterator<T>(ready: () => unknown, recv: () => Promise<T>): AsyncIterableIterator<T> {
  let done = false;
  const end = (): IteratorResult<T> => {
    done = true;
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (done) return Promise.resolve({ value: undefined, done: true });
      const value = ready();
      if (value !== NO_MESSAGE) return Promise.resolve({ value: value as T, done: false });
      return recv().then(
        (v) => ({ value: v, done: false }),
        (error) => {
          end();
          if (error instanceof ConnectionClosedError) return { value: undefined, done: true };
          throw error;
        },
      );
    },
    return: () => Promise.resolve(end()),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

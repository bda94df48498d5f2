import { InvalidArgumentError } from '@multiproc/wire';

/** Python's rule for `map`: about four chunks per worker, `ceil(len / (4 * workers))`. */
export function defaultChunksize(length: number, workers: number): number {
  if (length === 0) return 1;
  return Math.ceil(length / (4 * workers));
}

/** A chunksize must be an integer >= 1 (Python: `ValueError('Chunksize must be 1+, not 0')`). */
export function checkChunksize(chunksize: unknown): number | undefined {
  if (chunksize === undefined) return undefined;
  if (typeof chunksize !== 'number' || !Number.isInteger(chunksize) || chunksize < 1) {
    throw new InvalidArgumentError(`Chunksize must be 1+, not ${String(chunksize)}`);
  }
  return chunksize;
}

/** Split an array into consecutive chunks of `size` items (the last may be shorter). */
export function chunkArray<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

export function isIterable(value: unknown): value is AnyIterable<unknown> {
  return (
    value != null &&
    (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  );
}

/** Collect a sync or async iterable into an array (what `map` does, as Python lists an iterable). */
export async function toArray<T>(items: AnyIterable<T>): Promise<T[]> {
  if (Array.isArray(items)) return items;
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** One pull of up to `size` items from an input: the items, and whether the input ended or threw. */
export interface Pulled<T> {
  items: T[];
  done: boolean;
  failed: boolean;
  error?: unknown;
}

/**
 * Reads a sync or async iterable lazily, `size` items at a time. An input
 * that throws ends the reading; the error is reported after the items read
 * before it, as Python's imap does.
 */
export class ChunkReader<T> {
  readonly #sync: Iterator<T> | null;
  readonly #async: AsyncIterator<T> | null;
  #finished = false;

  constructor(items: AnyIterable<T>) {
    if (typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
      this.#async = (items as AsyncIterable<T>)[Symbol.asyncIterator]();
      this.#sync = null;
    } else {
      this.#sync = (items as Iterable<T>)[Symbol.iterator]();
      this.#async = null;
    }
  }

  get finished(): boolean {
    return this.#finished;
  }

  async pull(size: number): Promise<Pulled<T>> {
    const items: T[] = [];
    if (this.#finished) return { items, done: true, failed: false };
    try {
      while (items.length < size) {
        const next = this.#sync ? this.#sync.next() : await this.#async!.next();
        if (next.done) {
          this.#finished = true;
          return { items, done: true, failed: false };
        }
        items.push(next.value);
      }
    } catch (error) {
      this.#finished = true;
      return { items, done: true, failed: true, error };
    }
    return { items, done: false, failed: false };
  }

  /** Stop reading early: lets a generator input run its `finally`. */
  async close(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      if (this.#sync) this.#sync.return?.();
      else await this.#async!.return?.();
    } catch {
      // The input's own cleanup failed; the caller already has its outcome.
    }
  }
}

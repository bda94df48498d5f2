const EMPTY: readonly never[] = [];
const noop = () => {};
/** %AsyncIteratorPrototype%, so the iterator gets whatever the runtime defines for async iterators. */
const AsyncIteratorPrototype = Object.getPrototypeOf(
  Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())),
) as object;

/**
 * The items of an async generator of chunks, one by one, with an async
 * generator's contract: calls settle in the order made, `return()` and
 * `throw()` go to the chunk generator (its `finally` runs), and it is done
 * for good once that is.
 *
 * Why not `yield*` each chunk from async generators: every item then went
 * through two of them, about 0.9 KB of promises, closures and requests per
 * item: two thirds of the parent's allocation under a trivial imap, so three
 * times the young-generation GCs, each copying the chunks in flight. Here an
 * item already received costs a resolved promise and its result object.
 */
export class FlatIterator<T> implements AsyncGenerator<T, undefined, unknown> {
  readonly #chunks: AsyncGenerator<readonly T[], undefined, undefined>;
  #chunk: readonly T[] = EMPTY;
  #at = 0;
  /** The latest call still settling; a later call waits for it. */
  #busy: Promise<unknown> | null = null;

  constructor(chunks: AsyncGenerator<readonly T[], undefined, undefined>) {
    this.#chunks = chunks;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#busy === null && this.#at < this.#chunk.length)
      return Promise.resolve({ value: this.#chunk[this.#at++]!, done: false });
    return this.#inTurn(this.#pull);
  }

  return(value?: undefined | PromiseLike<undefined>): Promise<IteratorResult<T, undefined>> {
    return this.#inTurn(() => {
      this.#drop();
      return this.#chunks.return(value as undefined).then(this.#took);
    });
  }

  throw(error: unknown): Promise<IteratorResult<T, undefined>> {
    return this.#inTurn(() => {
      this.#drop();
      return this.#chunks.throw(error).then(this.#took);
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.return().then(noop);
  }

  readonly #pull = (): Promise<IteratorResult<T, undefined>> => {
    if (this.#at < this.#chunk.length)
      return Promise.resolve({ value: this.#chunk[this.#at++]!, done: false });
    // The consumed chunk is let go before waiting for the next one.
    this.#drop();
    return this.#chunks.next().then(this.#took);
  };

  readonly #took = (
    result: IteratorResult<readonly T[], undefined>,
  ): IteratorResult<T, undefined> | Promise<IteratorResult<T, undefined>> => {
    if (result.done) return result;
    this.#chunk = result.value;
    return this.#pull();
  };

  #drop(): void {
    this.#chunk = EMPTY;
    this.#at = 0;
  }

  #inTurn(op: () => Promise<IteratorResult<T, undefined>>): Promise<IteratorResult<T, undefined>> {
    const call = this.#busy === null ? op() : this.#busy.then(op, op);
    this.#busy = call;
    // Registered before the caller's own reaction: the next call sees #busy cleared.
    const settled = () => {
      if (this.#busy === call) this.#busy = null;
    };
    call.then(settled, settled);
    return call;
  }
}

Object.setPrototypeOf(FlatIterator.prototype, AsyncIteratorPrototype);

/** Items per chunk: a hot consumer's whole batch (MAX_CREDIT), so a take can hand a chunk over. */
const CHUNK = 2048;

/**
 * A first-in first-out list kept as chunks of up to CHUNK items: push and
 * shift are O(1) without ever copying a large array (a plain array with a
 * head index copied the whole backlog as it grew and compacted), and
 * `shiftMany` of a whole chunk hands that chunk over without a copy.
 */
export class Fifo<T> {
  /** Never empty; the first is read from `#head`, the last is pushed to. */
  #chunks: T[][] = [[]];
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    let tail = this.#chunks[this.#chunks.length - 1]!;
    if (tail.length >= CHUNK) {
      tail = [];
      this.#chunks.push(tail);
    }
    tail.push(item);
    this.#length++;
  }

  /** The first item, or `undefined` when empty (check `length` first when `T` may be undefined). */
  peek(): T | undefined {
    return this.#length > 0 ? this.#chunks[0]![this.#head] : undefined;
  }

  /** The item `i` places from the front (`i` < `length`). */
  at(i: number): T {
    let index = this.#head + i;
    for (const chunk of this.#chunks) {
      if (index < chunk.length) return chunk[index]!;
      index -= chunk.length;
    }
    return undefined as T;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const chunk = this.#chunks[0]!;
    const item = chunk[this.#head]!;
    chunk[this.#head++] = undefined as T;
    this.#length--;
    if (this.#head >= chunk.length) this.#dropHead();
    return item;
  }

  /** Removes and returns the first `count` items (`count` ≤ `length`). */
  shiftMany(count: number): T[] {
    let out: T[] | null = null;
    while (count > 0) {
      const chunk = this.#chunks[0]!;
      const head = this.#head;
      const n = Math.min(count, chunk.length - head);
      let part: T[];
      if (head === 0 && n === chunk.length) {
        part = chunk; // the whole chunk: no copy, and nothing left in it to clear
      } else {
        part = chunk.slice(head, head + n);
        if (head + n < chunk.length) chunk.fill(undefined as T, head, head + n);
      }
      this.#head = head + n;
      this.#length -= n;
      count -= n;
      if (this.#head >= chunk.length) this.#dropHead();
      if (out === null) out = part;
      else for (const item of part) out.push(item);
    }
    return out ?? [];
  }

  /** Put `items` back at the front, keeping their order. */
  unshiftAll(items: readonly T[]): void {
    if (items.length === 0) return;
    const chunk = this.#chunks[0]!;
    if (items.length <= this.#head) {
      this.#head -= items.length;
      for (let i = 0; i < items.length; i++) chunk[this.#head + i] = items[i]!;
    } else {
      this.#chunks[0] = [...items, ...chunk.slice(this.#head)];
      this.#head = 0;
    }
    this.#length += items.length;
  }

  /** Remove and return every item. */
  drain(): T[] {
    const out = [...this];
    this.#chunks = [[]];
    this.#head = 0;
    this.#length = 0;
    return out;
  }

  /** Remove the first item matching `predicate`; returns whether one was found. */
  remove(predicate: (item: T) => boolean): boolean {
    let start = this.#head;
    for (let c = 0; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c]!;
      for (let i = start; i < chunk.length; i++) {
        if (predicate(chunk[i]!)) {
          chunk.splice(i, 1);
          this.#length--;
          if (chunk.length === (c === 0 ? this.#head : 0) && this.#chunks.length > 1) {
            this.#chunks.splice(c, 1);
            if (c === 0) this.#head = 0;
          }
          return true;
        }
      }
      start = 0;
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    let start = this.#head;
    for (const chunk of this.#chunks) {
      for (let i = start; i < chunk.length; i++) yield chunk[i]!;
      start = 0;
    }
  }

  /** The first chunk is used up: move to the next, or start over in a fresh one. */
  #dropHead(): void {
    if (this.#chunks.length > 1) this.#chunks.shift();
    else this.#chunks[0] = [];
    this.#head = 0;
  }
}

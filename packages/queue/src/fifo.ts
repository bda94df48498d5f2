/**
 * A first-in first-out list with O(1) push and shift (an array and a head
 * index, compacted now and then), plus putting items back at the front.
 */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The first item, or `undefined` when empty (check `length` first when `T` may be undefined). */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as T;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The item `i` places from the front (`i` < `length`). */
  at(i: number): T {
    return this.#items[this.#head + i]!;
  }

  /** Removes and returns the first `count` items (`count` ≤ `length`): one copy, not `count` shifts. */
  shiftMany(count: number): T[] {
    const start = this.#head;
    const end = start + count;
    if (end === this.#items.length) {
      // All of it: hand the array over when it holds nothing else.
      const out = start === 0 ? this.#items : this.#items.slice(start);
      this.#items = [];
      this.#head = 0;
      return out;
    }
    const out = this.#items.slice(start, end);
    this.#items.fill(undefined as T, start, end);
    this.#head = end;
    if (end > 1024 && end * 2 > this.#items.length) {
      this.#items = this.#items.slice(end);
      this.#head = 0;
    }
    return out;
  }

  /** Put `items` back at the front, keeping their order. */
  unshiftAll(items: readonly T[]): void {
    if (items.length === 0) return;
    if (items.length <= this.#head) {
      this.#head -= items.length;
      for (let i = 0; i < items.length; i++) this.#items[this.#head + i] = items[i]!;
    } else {
      this.#items = [...items, ...this.#items.slice(this.#head)];
      this.#head = 0;
    }
  }

  /** Remove and return every item. */
  drain(): T[] {
    const out = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return out;
  }

  /** Remove the first item matching `predicate`; returns whether one was found. */
  remove(predicate: (item: T) => boolean): boolean {
    for (let i = this.#head; i < this.#items.length; i++) {
      if (predicate(this.#items[i]!)) {
        this.#items.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

const NONE: readonly never[] = [];

/**
 * Items that arrived as whole arrays (a proxy's get replies), read one at a
 * time in order. The arrays are kept as they came: a reply of 2048 items is
 * not copied item by item into another list.
 */
export class BatchList<T> {
  #current: readonly T[] = NONE;
  #index = 0;
  /** Arrays after the current one (a prefetch that arrived before the current one was used up). */
  #next: (readonly T[])[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(items: readonly T[]): void {
    if (items.length === 0) return;
    if (this.#length === 0) {
      this.#current = items;
      this.#index = 0;
    } else {
      this.#next.push(items);
    }
    this.#length += items.length;
  }

  /** The next item (check `length` first). */
  shift(): T {
    let current = this.#current;
    if (this.#index >= current.length) {
      current = this.#current = this.#next.shift() ?? NONE;
      this.#index = 0;
    }
    const item = current[this.#index] as T;
    // The reply arrays are this list's own (freshly decoded): an item handed out is not kept alive.
    (current as T[])[this.#index++] = undefined as T;
    if (--this.#length === 0) {
      // Do not keep a used-up reply (and the items in it) alive.
      this.#current = NONE;
      this.#index = 0;
    }
    return item;
  }

  /** Remove and return every item, in order. */
  drain(): T[] {
    const out = this.#current.slice(this.#index);
    for (const items of this.#next) for (const item of items) out.push(item);
    this.#current = NONE;
    this.#index = 0;
    this.#next = [];
    this.#length = 0;
    return out;
  }
}

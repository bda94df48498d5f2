import { BatchList } from './batch-list.js';
import { MAX_CREDIT } from './batch-size.js';

/**
 * A batch should last about this long at the pace the consumer used its last
 * one: a fast consumer gets large batches, one slower than this per item gets
 * one item at a time, so nobody holds items another consumer could eat.
 */
const BATCH_MS = 2;
/** The credit grows at most this much per reply, so one fast item does not earn a full batch. */
const GROWTH = 16;
/** Prefetched items a consumer has not asked for within this long go back to the queue. */
const IDLE_MS = 100;

const hoarding = new Set<ConsumerBuffer<unknown>>();
let exitHookInstalled = false;

/**
 * A proxy's prefetched items, and how many to ask for next. The credit
 * starts at 1 and then follows the pace the consumer used its last reply at
 * (BATCH_MS worth of items, a power of two up to MAX_CREDIT, growing at most
 * GROWTH-fold per reply), so a consumer that works seconds per item never
 * takes items another could eat. A pace, not a deadline: one late wake-up on
 * a busy machine costs a fast consumer some credit, not all of it.
 *
 * Prefetched items that are not asked for (the loop broke on a sentinel, the
 * process is ending, the consumer went idle) are handed back with
 * `giveBack`, in order, to the front of the queue: never lost, never kept
 * from another consumer for long.
 */
export class ConsumerBuffer<T> {
  readonly #items = new BatchList<T>();
  readonly #giveBack: (items: T[]) => void;
  #credit = 1;
  /** At or below this many items left, prefetch (set when a batch arrives; -1: do not). */
  #refillAt = -1;
  #arrivedAt = Number.NEGATIVE_INFINITY;
  #takes = 0;
  /** `#takes` when the last reply arrived. */
  #takesAtArrival = 0;
  #takesAtCheck = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(giveBack: (items: T[]) => void) {
    this.#giveBack = giveBack;
  }

  get length(): number {
    return this.#items.length;
  }

  shift(): T {
    this.#takes++;
    const item = this.#items.shift();
    if (this.#items.length === 0) hoarding.delete(this as ConsumerBuffer<unknown>);
    return item;
  }

  /** Whether to prefetch now: a hot consumer (credit ≥ 64) that has used half its batch. */
  wantsMore(): boolean {
    return this.#credit >= 64 && this.#items.length <= this.#refillAt;
  }

  /** The credit for the next request. */
  nextCredit(): number {
    const used = this.#takes - this.#takesAtArrival;
    // Nothing used since the last reply (the first request, a prefetch that found nothing): no news.
    if (used === 0) return this.#credit;
    const perItem = (performance.now() - this.#arrivedAt) / used;
    let fit = 1;
    while (fit < MAX_CREDIT && fit * 2 * perItem <= BATCH_MS) fit *= 2;
    this.#credit = Math.min(fit, this.#credit * GROWTH);
    return this.#credit;
  }

  /** A reply arrived. */
  add(items: readonly T[]): void {
    this.#arrivedAt = performance.now();
    this.#takesAtArrival = this.#takes;
    this.#items.push(items);
    // A full batch: ask again halfway through it. A batch cut short (by its byte limit, large
    // items, or because that was all there was) may take as long to arrive as to use: ask at once.
    // An empty answer (a prefetch found nothing): no more prefetching until the buffer runs dry.
    if (items.length === 0) this.#refillAt = -1;
    else if (items.length < this.#credit) this.#refillAt = this.#items.length - 1;
    else this.#refillAt = Math.min(this.#credit, this.#items.length) >> 1;
    if (this.#items.length === 0) return;
    hoarding.add(this as ConsumerBuffer<unknown>);
    installExitHook();
    if (this.#timer === null) {
      this.#takesAtCheck = this.#takes;
      this.#timer = setTimeout(this.#check, IDLE_MS);
      this.#timer.unref();
    }
  }

  /** Hand every prefetched item back to the queue. */
  giveBack(): void {
    hoarding.delete(this as ConsumerBuffer<unknown>);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#items.length === 0) return;
    this.#credit = 1;
    this.#giveBack(this.#items.drain());
  }

  /** Forget the items: the queue's owner is gone, they can only be read from here. */
  detach(): void {
    hoarding.delete(this as ConsumerBuffer<unknown>);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  readonly #check = (): void => {
    if (this.#items.length === 0) {
      this.#timer = null;
    } else if (this.#takes === this.#takesAtCheck) {
      this.giveBack();
    } else {
      this.#takesAtCheck = this.#takes;
      this.#timer?.refresh();
    }
  };
}

// A process whose work is done hands its prefetched items back before it exits.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('beforeExit', () => {
    for (const buffer of [...hoarding]) buffer.giveBack();
  });
}

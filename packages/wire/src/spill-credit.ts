import { unlinkQuietly } from './spilled-bytes.js';

/**
 * A connection's payload files sent and not yet acknowledged by the peer
 * (the peer acknowledges what it has read once per tick, with a `spill-ack`
 * control frame). They count as unsent bytes: a peer that stops reading is
 * dropped and a fast sender waits (drain) exactly as if the bytes were inline.
 */
export class SpillCredit {
  /** [path, bytes] in the order sent; the peer reads them in the same order. */
  #files: Array<[string, number]> = [];
  #head = 0;
  #unacked = 0;

  get unacked(): number {
    return this.#unacked;
  }

  add(files: ReadonlyArray<[string, number]>): void {
    for (const file of files) {
      this.#files.push(file);
      this.#unacked += file[1];
    }
  }

  /** The peer has read `bytes` more of them. */
  ack(bytes: number): void {
    let left = bytes;
    const files = this.#files;
    while (this.#head < files.length && left >= files[this.#head]![1]) {
      left -= files[this.#head]![1];
      this.#unacked -= files[this.#head]![1];
      this.#head++;
    }
    if (this.#head === files.length) {
      this.#files = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > files.length) {
      this.#files = files.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The peer is gone without reading them: nobody else will. */
  abandon(): void {
    for (let i = this.#head; i < this.#files.length; i++) unlinkQuietly(this.#files[i]![0]);
    this.#files = [];
    this.#head = 0;
    this.#unacked = 0;
  }
}

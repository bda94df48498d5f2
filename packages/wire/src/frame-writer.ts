import type { Socket } from 'node:net';
import type { FlushAt } from './connection-options.js';
import { writeNow } from './direct-write.js';
import { flushed, holdUntilFlushed } from './exit-flush.js';
import { BATCH_FRAME_LIMIT, FrameKind, HEADER_SIZE, headerFor } from './frame.js';
import { isRecyclable, recycle, takeBuffer } from './recycled-buffers.js';

const INITIAL_BATCH = 64 * 1024;
/** A batch this large is written at once instead of waiting for the end of the tick. */
const FLUSH_THRESHOLD = 256 * 1024;
/** Batches up to this size are copied out instead of handing over the batch buffer. */
const SMALL_BATCH = 16 * 1024;
/** An owned value payload this large is written to the socket as it is, not copied into the batch. */
const LARGE_WRITE = 32 * 1024;
/** Outgoing bytes above which `drain()` waits. */
export const HIGH_WATER = 8 * 1024 * 1024;

/**
 * Collects the frames written during one tick into a single buffer and hands
 * it to the socket once: one write per tick was 2.6x faster than one write
 * per frame (anchor-baselines.md).
 */
export class FrameWriter {
  readonly #socket: Socket;
  #batch: Buffer = takeBuffer(INITIAL_BATCH);
  #position = 0;
  #scheduled = false;
  /** Registered with the exit flush (exit-flush.ts) while bytes wait in the batch. */
  #held = false;
  #closed = false;
  /** When a tick's messages go out (ConnectionOptions.flushAt). */
  flushAt: FlushAt = 'tick';
  /** Where the batch ended when `#flushSoon` last looked (-1: not looked yet). */
  #seen = -1;
  /** Where the header of this batch's last frame is, if it is a value or batch frame still open to more values. */
  #openAt = -1;
  /** That frame's payload length. */
  #openLength = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  write(kind: FrameKind, payload: Uint8Array): void {
    if (this.#closed) return;
    const needed = HEADER_SIZE + payload.length;
    if (this.#position + needed > this.#batch.length) this.#grow(needed);
    this.#openAt = -1;
    this.#batch.writeUInt32BE(headerFor(kind, payload.length), this.#position);
    this.#batch.set(payload, this.#position + HEADER_SIZE);
    this.#position += needed;
    this.#written();
  }

  /**
   * Writes one value message, `source[start, end)`. Value messages written
   * one after another in the same tick share one batch frame (while it stays
   * under BATCH_FRAME_LIMIT), so the receiver decodes them in one pass; any
   * other frame closes the batch, so the order of all frames is kept.
   */
  writeValue(source: Buffer, start: number, end: number, owned = false): void {
    if (this.#closed) return;
    const length = end - start;
    if (owned && length >= LARGE_WRITE) {
      // A large payload the caller gave up goes to the socket as it is, not copied into the batch.
      this.writeParts([source.subarray(start, end)]);
      return;
    }
    const open = this.#openAt;
    if (open >= 0 && this.#openLength + length <= BATCH_FRAME_LIMIT) {
      if (this.#position + length <= this.#batch.length) {
        this.#copy(source, start, end);
        this.#openLength += length;
        this.#batch.writeUInt32BE(headerFor(FrameKind.Batch, this.#openLength), open);
        this.#written();
        return;
      }
    }
    const needed = HEADER_SIZE + length;
    if (this.#position + needed > this.#batch.length) this.#grow(needed);
    this.#batch.writeUInt32BE(headerFor(FrameKind.Value, length), this.#position);
    this.#openAt = this.#position;
    this.#openLength = length;
    this.#position += HEADER_SIZE;
    this.#copy(source, start, end);
    this.#written();
  }

  /**
   * Writes one value message made of `parts` (pre-encoded pieces, the
   * caller's to give away), kept whole in one frame. Small messages join the
   * open batch frame; large parts go to the socket without a copy.
   */
  writeParts(parts: Buffer[]): void {
    if (this.#closed) return;
    let length = 0;
    let large = false;
    for (const part of parts) {
      length += part.length;
      if (part.length >= LARGE_WRITE) large = true;
    }
    if (!large) {
      const open = this.#openAt;
      const joins = open >= 0 && this.#openLength + length <= BATCH_FRAME_LIMIT;
      if (!joins || this.#position + length > this.#batch.length) {
        const needed = HEADER_SIZE + length;
        if (this.#position + needed > this.#batch.length) this.#grow(needed);
      }
      if (joins && this.#openAt === open) {
        this.#openLength += length;
        this.#batch.writeUInt32BE(headerFor(FrameKind.Batch, this.#openLength), open);
      } else {
        this.#batch.writeUInt32BE(headerFor(FrameKind.Value, length), this.#position);
        this.#openAt = this.#position;
        this.#openLength = length;
        this.#position += HEADER_SIZE;
      }
      for (const part of parts) this.#copy(part, 0, part.length);
      this.#written();
      return;
    }
    if (this.#position + HEADER_SIZE > this.#batch.length) this.#grow(HEADER_SIZE);
    this.#openAt = -1;
    this.#batch.writeUInt32BE(headerFor(FrameKind.Value, length), this.#position);
    this.#position += HEADER_SIZE;
    const socket = this.#socket;
    if (socket.destroyed) {
      this.#position = 0;
      return;
    }
    socket.cork();
    for (const part of parts) {
      if (part.length >= LARGE_WRITE) {
        this.flush();
        writeOut(socket, part);
      } else {
        if (this.#position + part.length > this.#batch.length) this.#grow(part.length);
        this.#copy(part, 0, part.length);
      }
    }
    this.flush();
    socket.uncork();
  }

  #copy(source: Buffer, start: number, end: number): void {
    const batch = this.#batch;
    let p = this.#position;
    if (end - start <= 16) {
      // A native copy costs more than a loop for the few bytes of a small message.
      for (let i = start; i < end; i++) batch[p++] = source[i]!;
    } else {
      source.copy(batch, p, start, end);
      p += end - start;
    }
    this.#position = p;
  }

  #written(): void {
    if (this.#position >= FLUSH_THRESHOLD) {
      this.flush();
      return;
    }
    // Registered whenever bytes wait, not only when the end-of-tick flush is scheduled: a flush
    // earlier in this tick (a full cast batch, a large part) unregistered this writer, and bytes
    // written after it must still go out if the process exits before the tick ends.
    if (!this.#held) {
      this.#held = true;
      holdUntilFlushed(1, this);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      if (this.flushAt === 'tick') process.nextTick(this.#flushScheduled);
      else {
        // Looks once more before writing: the first look runs before the microtask that sent
        // (an `await` continuation) can send again.
        this.#seen = -1;
        queueMicrotask(this.#flushSoon);
      }
    }
  }

  /** Bytes accepted by the socket but not yet handed to the kernel, plus this tick's batch. */
  get pendingBytes(): number {
    return this.#position + this.#socket.writableLength;
  }

  /**
   * Resolves once pending bytes (plus `extra()`: payload files the peer has not acknowledged)
   * are below `HIGH_WATER`, or when `ended()` says the connection is gone.
   */
  belowHighWater(ended: () => boolean, extra: () => number = () => 0): Promise<void> {
    const socket = this.#socket;
    return new Promise((resolve) => {
      const check = () => {
        if (this.pendingBytes + extra() < HIGH_WATER || ended()) {
          socket.off('drain', check);
          socket.off('close', check);
          this.#waiters.delete(check);
          resolve();
        }
      };
      socket.on('drain', check);
      socket.on('close', check);
      this.#waiters.add(check);
    });
  }

  /** Checks the waits of `belowHighWater` again (the peer acknowledged payload files). */
  recheck(): void {
    for (const check of [...this.#waiters]) check();
  }

  readonly #waiters = new Set<() => void>();

  flush(): void {
    if (this.#held) {
      this.#held = false;
      flushed(1, this);
    }
    this.#openAt = -1;
    if (this.#position === 0 || this.#closed) return;
    const end = this.#position;
    const done = writeNow(this.#socket, this.#batch, 0, end);
    if (done === end) {
      this.#position = 0;
      return;
    }
    let out: Buffer;
    if (end - done <= SMALL_BATCH) {
      // Small batches (request/reply traffic) are copied out so the batch buffer is reused:
      // a fresh 64 KiB per flush showed up as ~20% of a busy parent's CPU in garbage collection.
      out = Buffer.from(this.#batch.subarray(done, end));
    } else {
      // The socket keeps `out` until it is written, so the next batch needs other memory.
      out = this.#batch.subarray(done, end);
      this.#batch = takeBuffer(
        Math.max(
          INITIAL_BATCH,
          this.#batch.length >= 4 * FLUSH_THRESHOLD ? INITIAL_BATCH : this.#batch.length,
        ),
      );
    }
    this.#position = 0;
    if (!this.#socket.destroyed) writeOut(this.#socket, out);
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }

  /**
   * `flushAt: 'microtask'`: writes once a turn of the microtask queue added nothing, so the
   * messages of a synchronous run, or of a chain of microtasks that send on every step (`await`
   * of a settled promise), still share one write.
   */
  readonly #flushSoon = (): void => {
    if (this.#position > this.#seen) {
      this.#seen = this.#position;
      queueMicrotask(this.#flushSoon);
      return;
    }
    this.#scheduled = false;
    this.flush();
  };

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  #grow(needed: number): void {
    if (this.#position > 0 && needed <= INITIAL_BATCH * 4) {
      this.flush();
      if (needed <= this.#batch.length) return;
    }
    const next = Buffer.allocUnsafe(Math.max(this.#batch.length * 2, this.#position + needed));
    this.#batch.copy(next, 0, 0, this.#position);
    this.#batch = next;
  }
}

/** Writes `bytes`; a buffer of ours goes back for reuse once the socket is done with it. */
function writeOut(socket: Socket, bytes: Buffer): void {
  const done = writeNow(socket, bytes, 0, bytes.length);
  if (done === bytes.length) {
    recycle(bytes);
    return;
  }
  const rest = done === 0 ? bytes : bytes.subarray(done);
  if (isRecyclable(bytes)) socket.write(rest, () => recycle(bytes));
  else socket.write(rest);
}

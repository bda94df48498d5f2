import { ProtocolError } from './errors.js';
import { FrameKind, HEADER_SIZE, kindOfHeader, LENGTH_MASK } from './frame.js';

export type FrameHandler = (kind: FrameKind, payload: Buffer) => void;
/** The payload is `source[start, end)`: no view is made per frame (Connection decodes in place). */
export type FrameRangeHandler = (kind: FrameKind, source: Buffer, start: number, end: number) => void;

export interface FrameDecoderOptions {
  /** Called instead of `onFrame` with the payload's place in the chunk. */
  onRange?: FrameRangeHandler;
  /** Largest batch frame accepted (a receiver that understands batches). @default maxFrameSize */
  maxBatchSize?: number;
}

/**
 * Streaming frame decoder: feed it chunks as they arrive, in any split, and it
 * calls `onFrame` once per whole frame, in order. Payloads that lie inside one
 * chunk are zero-copy subarrays of it.
 */
export class FrameDecoder {
  readonly #maxFrameSize: number;
  readonly #onRange: FrameRangeHandler;
  readonly #maxBatchSize: number;
  /** Bytes of an incomplete frame carried over from earlier chunks. */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #failed = false;
  #stopped = false;
  #remainder: Buffer | null = null;

  constructor(maxFrameSize: number, onFrame: FrameHandler, options: FrameDecoderOptions = {}) {
    this.#maxFrameSize = maxFrameSize;
    this.#onRange =
      options.onRange ?? ((kind, source, start, end) => onFrame(kind, source.subarray(start, end)));
    this.#maxBatchSize = Math.max(maxFrameSize, options.maxBatchSize ?? maxFrameSize);
  }

  /** Throws ProtocolError on a frame larger than the maximum; the decoder is then unusable. */
  push(chunk: Buffer): void {
    if (this.#failed || this.#stopped) return;
    let buf = chunk;
    if (this.#pendingLength > 0) {
      this.#pending.push(chunk);
      this.#pendingLength += chunk.length;
      if (!this.#hasWholeFrame()) return;
      buf = Buffer.concat(this.#pending, this.#pendingLength);
      this.#pending = [];
      this.#pendingLength = 0;
    }
    let offset = 0;
    while (buf.length - offset >= HEADER_SIZE) {
      const header = buf.readUInt32BE(offset);
      const length = header & LENGTH_MASK;
      const kind = kindOfHeader(header);
      this.#check(kind, length);
      const end = offset + HEADER_SIZE + length;
      if (end > buf.length) break;
      this.#onRange(kind, buf, offset + HEADER_SIZE, end);
      offset = end;
      if (this.#failed) return;
      if (this.#stopped) {
        this.#remainder = buf.subarray(offset);
        return;
      }
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      this.#pending.push(rest);
      this.#pendingLength = rest.length;
    }
  }

  /**
   * Stop decoding after the current frame (called from `onFrame`); the bytes
   * that followed it are returned by `takeRemainder()`. Lets a handshake hand
   * the rest of the stream to the Connection untouched.
   */
  stop(): void {
    this.#stopped = true;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  takeRemainder(): Buffer {
    const parts = this.#remainder ? [this.#remainder, ...this.#pending] : this.#pending;
    this.#remainder = null;
    this.#pending = [];
    this.#pendingLength = 0;
    return Buffer.concat(parts);
  }

  /** Bytes received that do not yet form a whole frame (a peer that ends here sent a truncated frame). */
  get bufferedBytes(): number {
    return this.#pendingLength;
  }

  #hasWholeFrame(): boolean {
    if (this.#pendingLength < HEADER_SIZE) return false;
    const first = this.#pending[0]!;
    const header =
      first.length >= HEADER_SIZE
        ? first.readUInt32BE(0)
        : Buffer.concat(this.#pending, this.#pendingLength).readUInt32BE(0);
    const length = header & LENGTH_MASK;
    this.#check(kindOfHeader(header), length);
    return this.#pendingLength >= HEADER_SIZE + length;
  }

  #check(kind: FrameKind, length: number): void {
    if (length > (kind === FrameKind.Batch ? this.#maxBatchSize : this.#maxFrameSize)) {
      this.#failed = true;
      this.#pending = [];
      this.#pendingLength = 0;
      throw new ProtocolError(
        `frame of ${length} bytes exceeds the maximum frame size of ${this.#maxFrameSize}`,
      );
    }
  }
}

import { type Decoder, Undecodable } from './codec.js';
import { applyControl } from './connection-control.js';
import { MultiprocError, ProtocolError } from './errors.js';
import { FrameKind } from './frame.js';

/** Where a connection's received messages go, in order. */
export interface MessageSink {
  value(value: unknown): void;
  /** A message that was read whole but cannot be rebuilt here (its reader gets the error). */
  error(error: Error): void;
  bytes(payload: Buffer): void;
}

/** A frame that arrived while a handle module was loading, kept (copied) to be handled in order. */
type DeferredFrame = [FrameKind, Buffer];

/**
 * The receiving half of a connection: decodes each frame the FrameDecoder
 * cuts out and hands its messages to the sink. A control frame that names
 * handle modules pauses delivery until they are imported, so a message is
 * never decoded before the code that rebuilds its handles is loaded.
 * Throws ProtocolError for a frame that breaks the protocol.
 */
export class IncomingFrames {
  readonly #decoder: Decoder;
  readonly #sink: MessageSink;
  readonly #fail: (error: Error) => void;
  #deferred: DeferredFrame[] | null = null;

  readonly #onSpillAck: (bytes: number) => void;

  /**
   * `fail` hears of a protocol error found while replaying deferred frames (no caller to throw
   * to); `onSpillAck` of the peer acknowledging payload files this side sent.
   */
  constructor(
    decoder: Decoder,
    sink: MessageSink,
    fail: (error: Error) => void,
    onSpillAck: (bytes: number) => void,
  ) {
    this.#decoder = decoder;
    this.#sink = sink;
    this.#fail = fail;
    this.#onSpillAck = onSpillAck;
  }

  readonly onFrame = (kind: FrameKind, payload: Buffer): void => {
    this.onFrameRange(kind, payload, 0, payload.length);
  };

  readonly onFrameRange = (kind: FrameKind, source: Buffer, start: number, end: number): void => {
    if (this.#deferred !== null) {
      // Waiting for a handle module to load: keep order.
      this.#deferred.push([kind, Buffer.from(source.subarray(start, end))]);
      return;
    }
    this.#handle(kind, source, start, end);
  };

  #handle(kind: FrameKind, source: Buffer, start: number, end: number): void {
    if (kind === FrameKind.Value) {
      let value: unknown;
      try {
        value = this.#decoder.decodeRange(source, start, end);
      } catch (error) {
        if (error instanceof MultiprocError && 'partial' in error) {
          // Read completely (the codec state is intact) but names a handle or payload this process cannot rebuild.
          this.#sink.error(error);
          return;
        }
        throw new ProtocolError(`malformed message: ${(error as Error).message}`);
      }
      this.#sink.value(value);
      return;
    }
    if (kind === FrameKind.Batch) {
      this.#handleBatch(source, start, end);
      return;
    }
    if (kind === FrameKind.Control) {
      const wait = applyControl(source.subarray(start, end), this.#decoder, this.#onSpillAck);
      if (wait !== null) {
        this.#deferred = [];
        wait.then(() => this.#resume());
      }
      return;
    }
    this.#sink.bytes(source.subarray(start, end));
  }

  /** Every message of a batch frame, decoded in one pass, then delivered in order. */
  #handleBatch(source: Buffer, start: number, end: number): void {
    let values: unknown[];
    let fault: Error | null = null;
    try {
      values = this.#decoder.decodeBatch(source, start, end);
    } catch (error) {
      values = ((error as { decoded?: unknown[] }).decoded ?? []) as unknown[];
      fault = new ProtocolError(`malformed message: ${(error as Error).message}`);
    }
    const sink = this.#sink;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value instanceof Undecodable) sink.error(value.error);
      else sink.value(value);
    }
    if (fault !== null) throw fault;
  }

  /**
   * Handles the deferred frames in order. One of them may start a new wait:
   * the frames after it join the new list. A frame that breaks the protocol
   * goes to `fail` and drops the rest.
   */
  #resume(): void {
    const frames = this.#deferred ?? [];
    this.#deferred = null;
    for (let i = 0; i < frames.length; i++) {
      if (this.#deferred !== null) {
        (this.#deferred as DeferredFrame[]).push(...frames.slice(i));
        return;
      }
      const [kind, payload] = frames[i]!;
      try {
        this.#handle(kind, payload, 0, payload.length);
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
    }
  }
}

import { getLogger } from '@multiproc/logging';
import { type Connection, decodeValue, encodeValue, InvalidArgumentError } from '@multiproc/wire';

/** A message sent before the ends met: `[isBytes, payload]`, values encoded at send time. */
export type Queued = [boolean, Buffer];

/** A value to queue: encoded now, so a value that cannot travel throws in `send`. */
export function queuedValue(value: unknown, maxFrameSize: number): Queued {
  const bytes = encodeValue(value);
  if (bytes.length > maxFrameSize) {
    throw new InvalidArgumentError(`message of ${bytes.length} bytes exceeds maxFrameSize ${maxFrameSize}`);
  }
  return [false, bytes];
}

/** Bytes to queue, checked as `Connection.sendBytes` checks them. */
export function queuedBytes(
  buf: Uint8Array,
  offset: number,
  size: number | undefined,
  maxFrameSize: number,
): Queued {
  if (!(buf instanceof Uint8Array)) throw new InvalidArgumentError('sendBytes needs a Buffer or Uint8Array');
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError('offset is negative');
  if (offset > buf.length) throw new InvalidArgumentError('buffer length < offset');
  const n = size ?? buf.length - offset;
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('size is negative');
  if (offset + n > buf.length) throw new InvalidArgumentError('buffer length < offset + size');
  if (n > maxFrameSize) {
    throw new InvalidArgumentError(`message of ${n} bytes exceeds maxFrameSize ${maxFrameSize}`);
  }
  // Copied now: the caller may reuse its buffer as soon as this returns.
  return [true, Buffer.from(buf.subarray(offset, offset + n))];
}

/** What an end sent before it met its peer, delivered in order once it has. */
export class SendQueue {
  #items: Queued[] = [];

  get length(): number {
    return this.#items.length;
  }

  push(item: Queued): void {
    this.#items.push(item);
  }

  clear(): void {
    this.#items = [];
  }

  /** Sends everything queued over `conn`, emptying the queue. */
  sendTo(conn: Connection): void {
    const items = this.#items;
    this.#items = [];
    for (const [isBytes, payload] of items) {
      try {
        if (isBytes) conn.sendBytes(payload);
        else conn.send(decodeValue(payload));
      } catch (error) {
        getLogger().warning(
          'pipe: a message sent before the ends met was dropped: %s',
          (error as Error).message,
        );
      }
    }
  }
}

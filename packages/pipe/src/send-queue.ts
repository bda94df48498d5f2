import { getLogger } from '@multiproc/logging';
import {
  type Connection,
  checkBytesRange,
  decodeValue,
  encodeValue,
  InvalidArgumentError,
} from '@multiproc/wire';

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
  const n = checkBytesRange(buf, offset, size, maxFrameSize);
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

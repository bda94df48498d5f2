import type { Encoder } from './codec.js';
import { encodeValue } from './codec.js';
import { InvalidArgumentError } from './errors.js';
import { FrameKind } from './frame.js';
import type { FrameWriter } from './frame-writer.js';
import { spilledByLastEncode } from './spill-extension.js';

/** A value encoded ahead of its message (see `Connection.encodePart`); `modules` as in §2.3. */
export interface EncodedPart {
  bytes: Buffer;
  modules: Set<string> | null;
  /** Payload bytes that went to files instead (spill-extension.ts): they count toward a batch's size. */
  spilled: number;
}

/**
 * Encodes `value` now with the connection's codec state, as a part of a
 * message written later with `writeParts` (HostLink merges object casts this
 * way: each is encoded, so checked and snapshotted, when it is cast). The
 * bytes are the caller's. If the value cannot be encoded (or is larger than
 * `maxFrameSize`), `beforeReset` runs first, so parts encoded earlier with
 * the old record state are written before the reset control frame, and this
 * throws.
 */
export function encodePart(
  encoder: Encoder,
  writer: FrameWriter,
  value: unknown,
  maxFrameSize: number,
  beforeReset: () => void,
): EncodedPart {
  let failure: unknown = null;
  let bytes: Buffer | null = null;
  try {
    const target = encoder.encodeShared(value);
    const { lastStart: start, lastEnd: end } = encoder;
    if (end - start > maxFrameSize) {
      encoder.reset();
      failure = new InvalidArgumentError(
        `message of ${end - start} bytes exceeds maxFrameSize ${maxFrameSize}`,
      );
    } else {
      bytes = encoder.lastOwned ? target.subarray(start, end) : Buffer.from(target.subarray(start, end));
    }
  } catch (error) {
    failure = error;
  }
  if (bytes === null) {
    beforeReset();
    writer.write(FrameKind.Control, encodeValue({ type: 'reset' }));
    throw failure;
  }
  return { bytes, modules: encoder.lastModules, spilled: spilledByLastEncode() };
}

/** Tells the peer to import handle modules before the next value frame (§2.3). */
export function writeModules(writer: FrameWriter, modules: Set<string>): void {
  writer.write(FrameKind.Control, encodeValue({ type: 'modules', urls: [...modules] }));
}

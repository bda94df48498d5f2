import { type Decoder, decodeValue, type Encoder, encodeValue } from './codec.js';
import { InvalidArgumentError, ProtocolError } from './errors.js';
import { FrameKind } from './frame.js';
import type { FrameWriter } from './frame-writer.js';
import { ensureModules } from './module-loader.js';
import { filesOfLastEncode } from './spill-extension.js';

type Control = { type: 'reset' } | { type: 'modules'; urls: string[] } | { type: 'spill-ack'; bytes: number };

export function sendControl(writer: FrameWriter, control: Control): void {
  writer.write(FrameKind.Control, encodeValue(control));
}

/**
 * Encodes a value message and writes it, first sending the control frame it
 * needs: the handle modules the receiver must import, or a reset if
 * encoding failed (then nothing else is written and this throws). Returns
 * the payload files the message names (taken before the control frame's
 * own encode forgets them).
 */
export function writeMessage(
  encoder: Encoder,
  writer: FrameWriter,
  value: unknown,
  maxFrameSize: number,
): ReadonlyArray<[string, number]> | null {
  let target: Buffer;
  try {
    target = encoder.encodeShared(value);
  } catch (error) {
    // The encoder dropped its record state; the peer must drop the same state.
    sendControl(writer, { type: 'reset' });
    throw error;
  }
  const files = filesOfLastEncode();
  let start = encoder.lastStart;
  let end = encoder.lastEnd;
  const modules = encoder.lastModules;
  if (end - start > maxFrameSize) {
    throw new InvalidArgumentError(`message of ${end - start} bytes exceeds maxFrameSize ${maxFrameSize}`);
  }
  if (modules !== null) {
    target = Buffer.from(target.subarray(start, end)); // the control frame's encode reuses the same buffer
    start = 0;
    end = target.length;
    sendControl(writer, { type: 'modules', urls: [...modules] });
  }
  writer.writeValue(target, start, end, encoder.lastOwned);
  return files;
}

/**
 * Applies a control frame from the peer. Returns a promise when the frames
 * after it must wait for handle modules to load, else `null`.
 */
export function applyControl(
  payload: Buffer,
  valueDecoder: Decoder,
  onSpillAck: (bytes: number) => void,
): Promise<void> | null {
  let control: Control;
  try {
    control = decodeValue(payload) as Control;
  } catch {
    throw new ProtocolError('malformed control frame');
  }
  if (control?.type === 'reset') {
    valueDecoder.reset();
    return null;
  }
  if (control?.type === 'spill-ack' && typeof control.bytes === 'number') {
    onSpillAck(control.bytes);
    return null;
  }
  if (control?.type === 'modules' && Array.isArray(control.urls)) {
    return ensureModules(control.urls.filter((u) => typeof u === 'string'));
  }
  throw new ProtocolError('unknown control frame');
}

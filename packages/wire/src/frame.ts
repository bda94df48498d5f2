/**
 * A frame is a 4-byte big-endian header, then the payload. The header's two
 * top bits say what the payload is; the other 30 bits are its length.
 * See PROTOCOL.md.
 */
export const FLAG_BYTES = 0x8000_0000;
export const FLAG_CONTROL = 0x4000_0000;
export const LENGTH_MASK = 0x3fff_ffff;
export const HEADER_SIZE = 4;

/** 64 MiB, as the spec asks. */
export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024 * 1024;
/** The header cannot express more than 1 GiB - 1. */
export const MAX_FRAME_SIZE_LIMIT = LENGTH_MASK;

/** Both bits: a batch of value messages (PROTOCOL.md §1). */
export const FLAG_BATCH = 0xc000_0000;

/**
 * A sender merges the value messages of one tick into one batch frame while
 * it stays this small; a receiver accepts batch frames up to its
 * maxFrameSize or this, whichever is larger (each message in it was checked
 * against the sender's maxFrameSize).
 */
export const BATCH_FRAME_LIMIT = 64 * 1024;

export enum FrameKind {
  Value = 0,
  Bytes = 1,
  Control = 2,
  Batch = 3,
}

export function kindOfHeader(header: number): FrameKind {
  return KINDS[header >>> 30]!;
}

/** By the header's top two bits (B, C). */
const KINDS = [FrameKind.Value, FrameKind.Control, FrameKind.Bytes, FrameKind.Batch];

const FLAGS = [0, FLAG_BYTES, FLAG_CONTROL, FLAG_BATCH];

export function headerFor(kind: FrameKind, length: number): number {
  return (FLAGS[kind]! | length) >>> 0;
}

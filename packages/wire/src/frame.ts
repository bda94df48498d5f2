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

export enum FrameKind {
  Value = 0,
  Bytes = 1,
  Control = 2,
}

export function kindOfHeader(header: number): FrameKind {
  if (header & FLAG_BYTES) return FrameKind.Bytes;
  if (header & FLAG_CONTROL) return FrameKind.Control;
  return FrameKind.Value;
}

export function headerFor(kind: FrameKind, length: number): number {
  const flag = kind === FrameKind.Bytes ? FLAG_BYTES : kind === FrameKind.Control ? FLAG_CONTROL : 0;
  return (flag | length) >>> 0;
}

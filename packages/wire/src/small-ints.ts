/**
 * Integers are most of what small messages carry (ids, counters, acks). A
 * safe integer of up to 32 bits is written and read here as plain msgpack,
 * without a msgpackr call (whose structured-clone setup costs more than the
 * work). Written as msgpackr writes it with records on (every wire codec):
 * 64-127 take two bytes, because a first byte of 0x40-0x7f names a record
 * shape (msgpackr's `useRecords`); written as one byte, 64 sent after an
 * object was read as that object's shape.
 */
const scratch = Buffer.allocUnsafe(8);

/** What `unpackSmallInt` returns for a message that is not one of these integers. */
export const NOT_SMALL_INT = Symbol('not a small integer');

/** Encodes `value` into the shared scratch buffer and returns its length, or 0 if it is not such an integer. */
export function packSmallInt(value: number): number {
  if (!Number.isInteger(value) || Object.is(value, -0)) return 0;
  const b = scratch;
  if (value >= 0) {
    if (value < 0x40) {
      b[0] = value;
      return 1;
    }
    if (value < 0x100) {
      b[0] = 0xcc;
      b[1] = value;
      return 2;
    }
    if (value < 0x10000) {
      b[0] = 0xcd;
      b.writeUInt16BE(value, 1);
      return 3;
    }
    if (value < 0x1_0000_0000) {
      b[0] = 0xce;
      b.writeUInt32BE(value, 1);
      return 5;
    }
    return 0;
  }
  if (value >= -0x20) {
    b[0] = value & 0xff;
    return 1;
  }
  if (value >= -0x80) {
    b[0] = 0xd0;
    b.writeInt8(value, 1);
    return 2;
  }
  if (value >= -0x8000) {
    b[0] = 0xd1;
    b.writeInt16BE(value, 1);
    return 3;
  }
  if (value >= -0x8000_0000) {
    b[0] = 0xd2;
    b.writeInt32BE(value, 1);
    return 5;
  }
  return 0;
}

export const smallIntScratch = scratch;

/**
 * The integer a whole message `source[start, end)` holds if it is one `packSmallInt` writes
 * (any msgpack encoder writes such integers the same way), else `NOT_SMALL_INT`: the message is
 * msgpackr's to read. A first byte of 0x40-0x7f is never taken here (a record shape).
 */
export function unpackSmallInt(
  source: Uint8Array,
  start: number,
  end: number,
): number | typeof NOT_SMALL_INT {
  const first = source[start]!;
  const length = end - start;
  if (length === 1) {
    if (first < 0x40) return first;
    if (first >= 0xe0) return first - 0x100;
    return NOT_SMALL_INT;
  }
  switch (first) {
    case 0xcc:
      return length === 2 ? source[start + 1]! : NOT_SMALL_INT;
    case 0xcd:
      return length === 3 ? (source[start + 1]! << 8) | source[start + 2]! : NOT_SMALL_INT;
    case 0xce:
      return length === 5
        ? source[start + 1]! * 0x100_0000 +
            ((source[start + 2]! << 16) | (source[start + 3]! << 8) | source[start + 4]!)
        : NOT_SMALL_INT;
    case 0xd0:
      return length === 2 ? (source[start + 1]! << 24) >> 24 : NOT_SMALL_INT;
    case 0xd1:
      return length === 3 ? (((source[start + 1]! << 8) | source[start + 2]!) << 16) >> 16 : NOT_SMALL_INT;
    case 0xd2:
      return length === 5
        ? (source[start + 1]! << 24) |
            (source[start + 2]! << 16) |
            (source[start + 3]! << 8) |
            source[start + 4]!
        : NOT_SMALL_INT;
    default:
      return NOT_SMALL_INT;
  }
}

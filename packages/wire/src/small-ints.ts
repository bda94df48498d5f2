/**
 * Integers are most of what small messages carry (ids, counters, acks). A
 * safe integer of up to 32 bits is written here as plain msgpack, without a
 * msgpackr call (whose structured-clone setup costs more than the write).
 * Any msgpack decoder reads it as the same number.
 */
const scratch = Buffer.allocUnsafe(8);

/** Encodes `value` into the shared scratch buffer and returns its length, or 0 if it is not such an integer. */
export function packSmallInt(value: number): number {
  if (!Number.isInteger(value) || Object.is(value, -0)) return 0;
  const b = scratch;
  if (value >= 0) {
    if (value < 0x80) {
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

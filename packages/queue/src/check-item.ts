import { DEFAULT_MAX_FRAME_SIZE, encodeValue, InvalidArgumentError, SharedObject } from '@multiproc/wire';

/** Nodes a quick check visits before it hands the value to the real encoder. */
const QUICK_NODES = 256;
/** Estimated size above which the real encoder measures it against the frame limit. */
const QUICK_BYTES = 8 * 1024 * 1024;

/**
 * The owner keeps its own puts as live objects, so nothing would encode them
 * until a remote consumer asks: check now, so a value that cannot travel
 * fails in the `put` that was given it (Python drops it later, silently).
 * Small plain data passes a quick walk; anything else (a function, a symbol,
 * a socket, a large or deep value) goes through the real encoder, which
 * throws the precise EncodeError.
 */
export function checkItem(item: unknown): void {
  const t = typeof item;
  if (t === 'number' || t === 'boolean' || t === 'undefined' || t === 'bigint' || item === null) return;
  const size = quickSize(item, { nodes: 0 });
  if (size >= 0 && size < QUICK_BYTES) return;
  const bytes = encodeValue(item);
  if (bytes.length > DEFAULT_MAX_FRAME_SIZE - 1024) {
    throw new InvalidArgumentError(
      `item of ${bytes.length} bytes exceeds the maximum message size ${DEFAULT_MAX_FRAME_SIZE}`,
    );
  }
}

/** The estimated size when `value` is certainly encodable; -1 means "ask the encoder". */
function quickSize(value: unknown, budget: { nodes: number }): number {
  if (++budget.nodes > QUICK_NODES) return -1;
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return 9;
    case 'string':
      return value.length * 3 + 5;
    case 'object':
      break;
    default:
      return -1; // function, symbol
  }
  if (value === null || value instanceof SharedObject || value instanceof Date) return 16;
  if (ArrayBuffer.isView(value)) return value.byteLength + 8;
  let total = 8;
  if (Array.isArray(value)) {
    for (const v of value) {
      const size = quickSize(v, budget);
      if (size < 0) return -1;
      total += size;
    }
    return total;
  }
  // Class instances, Maps, sockets and the rest: the encoder knows best.
  if (Object.getPrototypeOf(value) !== Object.prototype) return -1;
  for (const key in value) {
    const size = quickSize((value as Record<string, unknown>)[key], budget);
    if (size < 0) return -1;
    total += key.length + 2 + size;
  }
  return total;
}

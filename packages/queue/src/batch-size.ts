import { SpilledBytes } from '@multiproc/wire';

/** Most items one remote `get` reply carries (a hot consumer's credit). */
export const MAX_CREDIT = 2048;

/**
 * Rough upper bound of the bytes a batch reply may take. It keeps a reply of
 * many large items well under the 64 MiB frame limit: a reply that cannot be
 * sent would lose its items.
 */
export const BATCH_BYTES = 4 * 1024 * 1024;

/** A cheap estimate of an item's encoded size (exact enough for buffers and strings, the large ones). */
export function estimateSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return value.length * 3 + 5;
    case 'object': {
      if (value === null) return 1;
      // Sent as a file name, but read whole on arrival: it counts at its size.
      if (value instanceof SpilledBytes) return value.byteLength;
      if (ArrayBuffer.isView(value)) return value.byteLength + 8;
      if (value instanceof ArrayBuffer) return value.byteLength + 8;
      if (depth >= 3) return 64;
      let total = 8;
      if (Array.isArray(value) || value instanceof Set) {
        for (const v of value) total += estimateSize(v, depth + 1);
      } else if (value instanceof Map) {
        for (const [k, v] of value) total += estimateSize(k, depth + 1) + estimateSize(v, depth + 1);
      } else {
        for (const key in value) {
          total += key.length + 2 + estimateSize((value as Record<string, unknown>)[key], depth + 1);
        }
      }
      return total;
    }
    default:
      return 9;
  }
}

/** Validates a credit received from a peer: an integer from 1 to MAX_CREDIT. */
export function clampCredit(value: unknown): number {
  if (typeof value !== 'number' || !(value >= 1)) return 1;
  return Math.min(Math.floor(value), MAX_CREDIT);
}

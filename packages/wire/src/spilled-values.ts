import { heldPayloads, SpilledBytes } from './spilled-bytes.js';

/** Decoded messages that hold SpilledBytes (a host decodes with `keepSpilled`). */
const holders = new WeakSet<object>();

export function markHoldsSpilled(message: unknown): void {
  if (typeof message === 'object' && message !== null) holders.add(message);
}

export function holdsSpilled(message: unknown): boolean {
  return typeof message === 'object' && message !== null && holders.has(message);
}

/**
 * `value` with every SpilledBytes in it read back into a Buffer (in place for
 * containers; the file is removed). What a host that kept a payload as a file
 * hands to code in its own process. Throws MultiprocError('ERR_PAYLOAD_LOST')
 * if a file is gone.
 */
export function materialize<T>(value: T): T {
  if (heldPayloads() === 0 || typeof value !== 'object' || value === null) return value;
  if (value instanceof SpilledBytes) return value.take() as T;
  walk(value, new Set());
  return value;
}

function walk(value: object, seen: Set<object>): void {
  if (seen.has(value) || ArrayBuffer.isView(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visit(value[i], seen);
  } else if (value instanceof Map) {
    for (const [k, v] of [...value]) {
      const key = visit(k, seen);
      if (key !== k) value.delete(k);
      value.set(key, visit(v, seen));
    }
  } else if (value instanceof Set) {
    for (const v of [...value]) {
      const item = visit(v, seen);
      if (item !== v) {
        value.delete(v);
        value.add(item);
      }
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = visit(record[key], seen);
  }
}

function visit(value: unknown, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof SpilledBytes) return value.take();
  walk(value, seen);
  return value;
}

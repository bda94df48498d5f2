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
  walk(value, new Map());
  return value;
}

/**
 * Objects already walked, and each payload already read (mapped to its Buffer): a payload the
 * sender reached twice (one Buffer in two places) is read once and lands in both places, as one
 * Buffer again.
 */
type Seen = Map<object, unknown>;

function walk(value: object, seen: Seen): void {
  if (seen.has(value) || ArrayBuffer.isView(value)) return;
  seen.set(value, value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visit(value[i], seen);
  } else if (value instanceof Map) {
    const entries: [unknown, unknown][] = [];
    let keysChanged = false;
    for (const [k, v] of value) {
      const key = visit(k, seen);
      if (key !== k) keysChanged = true;
      entries.push([key, visit(v, seen)]);
    }
    // Rebuilt when a key changed: deleting and adding it would move it to the end.
    if (keysChanged) value.clear();
    for (const [k, v] of entries) value.set(k, v);
  } else if (value instanceof Set) {
    const items: unknown[] = [];
    let changed = false;
    for (const v of value) {
      const item = visit(v, seen);
      if (item !== v) changed = true;
      items.push(item);
    }
    if (changed) {
      value.clear();
      for (const item of items) value.add(item);
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = visit(record[key], seen);
  }
}

function visit(value: unknown, seen: Seen): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof SpilledBytes) {
    let bytes = seen.get(value);
    if (bytes === undefined) {
      bytes = value.take();
      seen.set(value, bytes);
    }
    return bytes;
  }
  walk(value, seen);
  return value;
}

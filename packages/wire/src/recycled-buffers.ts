/**
 * Large buffers this package allocated for outgoing bytes, kept for reuse
 * once the socket has written them.
 *
 * Why: a buffer of more than ~128 KiB comes from a fresh mmap, and every page
 * of it faults in on first write and is unmapped again when the GC frees it.
 * For 64 KiB queue items that churn was measured at 10-30% of the
 * throughput (reusing freed memory through glibc's tunables gave +18% on the
 * same run). Only buffers allocated here are ever reused, so a caller's own
 * buffer (`sendBytes`) is never written into.
 */

/** Buffers smaller than this are cheap to allocate (the heap, not mmap): not kept. */
const MIN_KEPT = 64 * 1024;
/** Idle bytes kept, in all: bounds what an idle process holds. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
/** Sizes are rounded up to this, so that messages of nearly the same size fit one buffer. */
const GRANULE = 64 * 1024;

/** The memory of every buffer allocated here (only these are ever reused). */
const ours = new WeakSet<ArrayBuffer>();
/** Buffers waiting to be reused, and their memory (so that one is never kept twice). */
const idle: Buffer[] = [];
const idleMemory = new WeakSet<ArrayBuffer>();
let idleBytes = 0;

/** A buffer of at least `size` bytes: an idle one of ours if one fits, else a new one. */
export function takeBuffer(size: number): Buffer {
  let best = -1;
  for (let i = 0; i < idle.length; i++) {
    const length = idle[i]!.length;
    if (length >= size && (best < 0 || length < idle[best]!.length)) best = i;
  }
  if (best >= 0) {
    const buffer = idle[best]!;
    idle[best] = idle[idle.length - 1]!;
    idle.pop();
    idleMemory.delete(buffer.buffer as ArrayBuffer);
    idleBytes -= buffer.length;
    return buffer;
  }
  if (size < MIN_KEPT) return Buffer.allocUnsafe(size);
  // allocUnsafeSlow: memory of its own, never a slice of Node's shared pool.
  const buffer = Buffer.allocUnsafeSlow(Math.ceil(size / GRANULE) * GRANULE);
  ours.add(buffer.buffer as ArrayBuffer);
  return buffer;
}

/** Whether `bytes` lie in a buffer of ours, which `recycle` would take back. */
export function isRecyclable(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof ArrayBuffer && ours.has(bytes.buffer);
}

/**
 * `bytes` lie in a buffer from `takeBuffer` that has been written out, and
 * nothing refers to any part of it any more: it may be handed out again.
 */
export function recycle(bytes: Uint8Array): void {
  const memory = bytes.buffer;
  if (!(memory instanceof ArrayBuffer) || !ours.has(memory) || idleMemory.has(memory)) return;
  if (idleBytes + memory.byteLength > MAX_KEPT_BYTES) return;
  idleMemory.add(memory);
  idleBytes += memory.byteLength;
  idle.push(Buffer.from(memory, 0, memory.byteLength));
}

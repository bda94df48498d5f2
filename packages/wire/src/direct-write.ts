import type { Socket } from 'node:net';

const { writeSync } = process.getBuiltinModule('node:fs');

/**
 * Writes `bytes[start, end)` to the socket's descriptor now, with one `write(2)`, when nothing
 * of the socket's own is waiting to go out (so the order of bytes is kept), and returns how
 * many the kernel took: 0 when it cannot (still connecting, ended, bytes queued in the stream, a
 * full socket buffer, any error: the caller then writes through the stream, which reports the
 * error as usual).
 *
 * Why: `socket.write` is Node's Writable stream (its state, a write request object, a nextTick
 * for the callback) on top of the same `write(2)`, which libuv tries at once anyway. For the
 * few bytes of a request or a reply that was ~0.2 us of each side's CPU per round trip
 * (docs/performance.md, round 9); Python's `Connection.send` is one `write(2)`. `_handle.fd` is
 * Node's internal field (sync-drain.ts reads it too): where it is missing (Windows: -1), every
 * write goes through the stream.
 */
export function writeNow(socket: Socket, bytes: Uint8Array, start: number, end: number): number {
  if (socket.writableLength !== 0 || socket.connecting || !socket.writable) return 0;
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return 0;
  try {
    return writeSync(fd, bytes, start, end - start);
  } catch {
    return 0;
  }
}

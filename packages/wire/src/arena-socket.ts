import net from 'node:net';

/*
 * A client socket that reads through Node's `onread` option: each read lands in the next free
 * slice of a shared arena and is emitted as 'data' at once, skipping the Readable stream's
 * per-read work (push, its state checks, a nextTick to read more). A pinned round trip between
 * two Node processes on a Unix socket took ~2-3 us less with one side reading this way
 * (docs/performance.md, round 6). Only connecting sockets can: a server's accepted sockets
 * have no such option.
 *
 * A chunk is a view of the arena and nothing else is written over it, so decoded values may
 * keep views of it, as they do of Node's own read buffers. A chunk that arrives while nobody
 * listens for 'data' is kept, the socket paused, and handed to the next listener.
 */

/** Each arena is this big; a read gets what is left of it, at least MIN_READ. */
const ARENA_BYTES = 128 * 1024;
const MIN_READ = 16 * 1024;

export function connectArenaSocket(options: net.NetConnectOpts): net.Socket {
  let arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
  let used = 0;
  let kept: Buffer[] | null = null;
  const socket: net.Socket = net.connect({
    ...options,
    onread: {
      // Called for the first read and after each one: the next free slice.
      buffer: () => {
        if (arena.length - used < MIN_READ) {
          arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
          used = 0;
        }
        return arena.subarray(used);
      },
      callback: (nread: number, buf: Uint8Array) => {
        const chunk = buf as Buffer;
        used += nread;
        const data = chunk.subarray(0, nread);
        if (socket.emit('data', data)) return true;
        (kept ??= []).push(data);
        return false; // pauses reading until someone listens
      },
    },
  } as net.NetConnectOpts);
  socket.on('newListener', (event: string) => {
    if (event !== 'data' || kept === null) return;
    // After the listener is added, and before anything read later.
    queueMicrotask(() => {
      const chunks = kept ?? [];
      kept = null;
      for (const c of chunks) socket.emit('data', c);
      if (!socket.destroyed) socket.resume();
    });
  });
  return socket;
}

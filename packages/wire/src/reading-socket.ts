import type net from 'node:net';

const { connect } = process.getBuiltinModule('node:net');

/*
 * A client socket for wire's own connections that reads through Node's `onread` option and
 * emits each chunk as 'data' at once, skipping the Readable stream's per-read work (push, its
 * state checks, a nextTick to read more). A pinned round trip between two Node processes on a
 * Unix socket took ~0.8-3 us less with one side reading this way (docs/performance.md, round
 * 6). Only connecting sockets can: a server's accepted sockets have no such option. The
 * Readable side is then unused (no `read()`, `for await` or `setEncoding`), which is why this
 * is not what the exported `connectSocket` returns.
 *
 * Memory as with Node's own reads: a small read is copied out (into Buffer's shared pool) and
 * its read buffer used again; a larger one is handed on as it is, and the next read gets a new
 * buffer. A chunk that arrives while nobody listens for 'data' is kept, reading paused, and
 * handed to the next listener.
 */

const READ_BYTES = 64 * 1024;
/** Reads up to this size are copied out, so their read buffer can take the next read. */
const COPY_MAX = 4096;

export function connectReadingSocket(options: net.NetConnectOpts): net.Socket {
  let readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
  let kept: Buffer[] | null = null;
  const socket: net.Socket = connect({
    ...options,
    onread: {
      // Called for the first read and after each one: the buffer for the next read.
      buffer: () => readBuffer,
      callback: (nread: number, buf: Uint8Array) => {
        let data: Buffer;
        if (nread <= COPY_MAX) data = Buffer.from((buf as Buffer).subarray(0, nread));
        else {
          data = (buf as Buffer).subarray(0, nread);
          readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
        }
        if (kept === null && emit(data)) return true;
        (kept ??= []).push(data);
        return false; // pauses reading until someone listens
      },
    },
  } as net.NetConnectOpts);

  /** Emits one chunk; false if nobody listens. A listener's error surfaces on the next tick, so Node still asks for the next read buffer. */
  const emit = (data: Buffer): boolean => {
    try {
      return socket.emit('data', data);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
      return true;
    }
  };

  socket.on('newListener', (event: string) => {
    if (event !== 'data' || kept === null) return;
    // After the listener is added, and before anything read later.
    queueMicrotask(() => {
      while (kept !== null && kept.length > 0) {
        if (!emit(kept[0]!)) return; // nobody listens after all: still paused
        kept.shift();
      }
      kept = null;
      // Unless the listener paused the socket itself.
      if (!socket.destroyed && !socket.isPaused()) socket.resume();
    });
  });
  return socket;
}

import type net from 'node:net';

const { connect, Socket } = process.getBuiltinModule('node:net');

/*
 * Sockets for wire's own connections that read through Node's `onread` option and emit each
 * chunk as 'data' at once, skipping the Readable stream's per-read work (push, its state
 * checks, a nextTick to read more). A pinned round trip between two Node processes on a Unix
 * socket took ~0.8-3 us less with one side reading this way, and ~1-2 us less again with both
 * (docs/performance.md, rounds 6 and 7). The Readable side is then unused (no `read()`,
 * `for await` or `setEncoding`), which is why the exported `connectSocket` is a plain socket.
 *
 * Memory as with Node's own reads: a small read is copied out (into Buffer's shared pool) and
 * its read buffer used again; a larger one is handed on as it is, and the next read gets a new
 * buffer. A chunk that arrives while nobody listens for 'data' is kept, reading paused, and
 * handed to the next listener.
 */

const READ_BYTES = 64 * 1024;
/** Reads up to this size are copied out, so their read buffer can take the next read. */
const COPY_MAX = 4096;

type OnRead = net.OnReadOpts;

/** A connecting socket that reads as above. */
export function connectReadingSocket(options: net.NetConnectOpts): net.Socket {
  return readingSocket((onread) => connect({ ...options, onread } as net.NetConnectOpts));
}

/**
 * An accepted socket made to read as above, from a server created with `pauseOnConnect` (so
 * nothing was read yet). Node has no `onread` option for accepted sockets, so the connection's
 * handle moves to a new Socket that has one: `_handle` is Node's internal field, unchanged since
 * Node 0.x; the accepted Socket is destroyed without it, which settles the server's connection
 * count and leaves the connection open. A Node without that field keeps the accepted socket.
 */
export function adoptForReading(accepted: net.Socket): net.Socket {
  const internals = accepted as unknown as { _handle?: { readStart?: unknown } | null };
  const handle = internals._handle;
  if (!handle || typeof handle.readStart !== 'function' || accepted.destroyed) {
    accepted.resume();
    return accepted;
  }
  internals._handle = null;
  accepted.destroy();
  return readingSocket(
    (onread) => new Socket({ handle, readable: true, writable: true, onread } as net.SocketConstructorOpts),
  );
}

function readingSocket(make: (onread: OnRead) => net.Socket): net.Socket {
  let readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
  let kept: Buffer[] | null = null;
  const socket: net.Socket = make({
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
  });

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

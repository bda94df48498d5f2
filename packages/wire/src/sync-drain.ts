import type { Socket } from 'node:net';

const { readSync } = process.getBuiltinModule('node:fs');

/**
 * Read whatever the peer sent that this side has not read yet, synchronously.
 * When a peer writes its last frames and exits, and this side writes before
 * reading them, the write fails with EPIPE and Node destroys the socket:
 * the unread frames would be lost.
 */
function readRemaining(socket: Socket): Buffer[] {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return [];
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch {
      break; // EAGAIN: nothing more is buffered.
    }
    if (n <= 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return chunks;
}

/**
 * Before Node destroys `socket` for EPIPE, hand `onData` everything the peer
 * sent that was not delivered yet, in order: first what Node buffered, then
 * what the kernel still holds.
 */
export function keepUnreadOnEpipe(socket: Socket, onData: (chunk: Buffer) => void): void {
  const destroy = socket.destroy;
  socket.destroy = function (this: Socket, error?: Error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') {
      socket.removeAllListeners('data');
      for (let b = socket.read() as Buffer | null; b !== null; b = socket.read() as Buffer | null) onData(b);
      for (const chunk of readRemaining(socket)) onData(chunk);
    }
    return destroy.call(this, error);
  } as Socket['destroy'];
}

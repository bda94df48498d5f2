import net = require('node:net');

/**
 * The child's entry point, in CommonJS so that it runs synchronously, before
 * the event loop first turns; bootstrap.js is ESM and loads asynchronously.
 * Meanwhile two things would be lost without a listener already in place:
 * - the payload, if the parent dies right after start(): Node reads it and
 *   the channel's end during the load and drops it, so the child would never
 *   run although start() succeeded;
 * - the first clients of a net.Server handed over: Node makes it listen, and
 *   accept, as soon as it arrives, and emits connections to no one.
 * So this listens for every message, holds such connections until the target
 * has been called, and passes the messages on to bootstrap.js.
 */
export type Delivery = (message: unknown, handle: unknown, release: () => void) => void;

const queue: Parameters<Delivery>[] = [];
let deliver: Delivery | null = null;

process.on('message', (message: unknown, handle: unknown) => {
  const entry: Parameters<Delivery> = [message, handle, holdConnections(handle)];
  if (deliver) deliver(...entry);
  else queue.push(entry);
});

(globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.messages')] = (fn: Delivery) => {
  deliver = fn;
  for (const entry of queue.splice(0)) fn(...entry);
};

/** Hold a server's connections; the returned function replays them. */
function holdConnections(handle: unknown): () => void {
  if (!(handle instanceof net.Server)) return () => {};
  const held: net.Socket[] = [];
  const hold = (socket: net.Socket) => held.push(socket);
  handle.on('connection', hold);
  return () => {
    handle.off('connection', hold);
    for (const socket of held.splice(0)) handle.emit('connection', socket);
  };
}

// A warm spare is started with this flag (launcher.ts); the target must see
// the same argv as in a spawned child.
const spareIndex = process.argv.indexOf('--multiproc-spare', 2);
if (spareIndex === 2) process.argv.splice(spareIndex, 1);
(globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.spare')] = spareIndex === 2;

void import('./bootstrap.js');

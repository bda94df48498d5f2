import net = require('node:net');
import path = require('node:path');

/**
 * The entry point of a warm spare and of a child handed sockets, in CommonJS
 * so that it runs synchronously, before the event loop first turns; the
 * package's entry (index.js, which holds bootstrap.ts) is ESM and loads
 * asynchronously. (Other children get their payload in a start file and run
 * index.js itself: start-file.ts.)
 * Meanwhile two things would be lost without a listener already in place:
 * - the payload, if the parent dies right after start(): Node reads it and
 *   the channel's end during the load and drops it, so the child would never
 *   run although start() succeeded;
 * - the first clients of a net.Server handed over: Node makes it listen, and
 *   accept, as soon as it arrives, and emits connections to no one.
 * So this listens for every message, holds such connections until the target
 * has been called, and passes the messages on to bootstrap.ts.
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

// A warm spare is started with `--multiproc-spare=<JSON list of module URLs to
// preload>` as argv[2] (launcher.ts); the target must see the same argv as in
// a spawned child, so it is removed. The list, or null, tells bootstrap.js.
const SPARE_FLAG = '--multiproc-spare=';
const spareArg = process.argv[2];
let spare: string[] | null = null;
if (spareArg?.startsWith(SPARE_FLAG)) {
  process.argv.splice(2, 1);
  spare = JSON.parse(spareArg.slice(SPARE_FLAG.length)) as string[];
}
(globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.spare')] = spare;
// Other children run the package's entry as their main module (launcher.ts): all show that.
process.argv[1] = path.join(__dirname, 'index.js');

// The package's entry holds the bootstrap (bootstrap.ts), registered, not run, on import.
void import('./index.js').then(() => {
  ((globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.bootstrap.run')] as () => void)();
});

import { spillDir, spillDirReady, spillFailed } from './spill-dir.js';
import { unlinkQuietly } from './spilled-bytes.js';

const { closeSync, linkSync, openSync, writeSync } = process.getBuiltinModule('node:fs');

/*
 * The payloads a process writes within one tick share a file (up to 1 MiB), each under a
 * name of its own that is a hard link to it. On tmpfs, making a file and freeing its pages
 * cost per file: one file per 64 KiB payload was ~10% of the CPU of a queue's 64 KiB items
 * (docs/performance.md, round 8). Names are owned exactly as before (spilled-bytes.ts): the
 * final reader of a name reads its range and removes the name, and the kernel frees the file
 * with its last name. The writer holds the file under an anchor name until the batch ends (at
 * 1 MiB, at the end of the tick, at exit); an anchor (`<pid>-a<n>`) is not a payload name, so
 * no peer can make a process read or remove one (isSpillPath). A process that ends without its
 * 'exit' event (a signal, a terminated worker thread) leaves its anchor to the tree's root,
 * which removes the directory at exit. The unread-bytes accounting counts payloads, not files:
 * an unread payload keeps its whole file (at most 1 MiB) in /dev/shm.
 */

/** A shared file takes payloads until it holds this many bytes. */
const BATCH_BYTES = 1024 * 1024;
/** Larger payloads get a file of their own: a shared file lives as long as its last payload. */
const SHARED_MAX = 256 * 1024;

// From a random start: names are `<pid>-<n>`, and two module instances with one pid (worker
// threads, two copies of wire) or a reused pid must not take each other's names.
let sequence = Math.floor(Math.random() * 2 ** 40);
let fd = -1;
let anchor = '';
let size = 0;
let exitHooked = false;

/** Where a payload was written: its name, and where its bytes start in that file. */
export interface WrittenPayload {
  readonly path: string;
  readonly offset: number;
}

/** Writes `bytes` as a payload file and returns where, or null (then the bytes go inline). */
export function writePayload(bytes: Uint8Array): WrittenPayload | null {
  if (!spillDirReady()) return null;
  const path = `${spillDir}/${process.pid}-${sequence++}`;
  // Set once `path` is ours: a name that existed already (EEXIST) is another writer's payload.
  let made = false;
  try {
    if (bytes.byteLength > SHARED_MAX) {
      const own = openSync(path, 'wx', 0o600);
      made = true;
      try {
        writeAll(own, bytes, 0);
      } finally {
        closeQuietly(own);
      }
      return { path, offset: 0 };
    }
    if (fd >= 0 && size + bytes.byteLength > BATCH_BYTES) endPayloadBatch();
    if (fd < 0) startBatch();
    const offset = size;
    size += bytes.byteLength;
    writeAll(fd, bytes, offset);
    linkSync(anchor, path);
    return { path, offset };
  } catch {
    // Out of space (a small /dev/shm in a container), the directory went away, a name taken.
    endPayloadBatch();
    if (made) unlinkQuietly(path);
    spillFailed();
    return null;
  }
}

/** Closes the shared file: the names handed out keep it; no more payloads go into it. */
export function endPayloadBatch(): void {
  if (fd < 0) return;
  closeQuietly(fd);
  fd = -1;
  unlinkQuietly(anchor);
}

function startBatch(): void {
  anchor = `${spillDir}/${process.pid}-a${sequence++}`;
  fd = openSync(anchor, 'wx', 0o600);
  size = 0;
  setImmediate(endPayloadBatch).unref();
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', endPayloadBatch);
  }
}

function writeAll(to: number, bytes: Uint8Array, position: number): void {
  for (let at = 0; at < bytes.byteLength; ) {
    const n = writeSync(to, bytes, at, bytes.byteLength - at, position + at);
    if (n === 0) throw new Error('a payload write made no progress');
    at += n;
  }
}

function closeQuietly(descriptor: number): void {
  try {
    closeSync(descriptor);
  } catch {
    // Nothing left to do.
  }
}

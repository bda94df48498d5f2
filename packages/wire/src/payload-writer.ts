import {
  keepFile,
  type PayloadFile,
  release,
  releasePayloadFiles,
  takeFreeFile,
} from './payload-file-pool.js';
import { spillDir, spillDirReady, spillFailed } from './spill-dir.js';
import { unlinkQuietly } from './spilled-bytes.js';

const { closeSync, fstatSync, linkSync, openSync, writeSync } = process.getBuiltinModule('node:fs');

/*
 * The payloads a process writes within one tick share a file (up to 1 MiB), each under a
 * name of its own that is a hard link to it. On tmpfs, making a file and freeing its pages
 * cost per file: one file per 64 KiB payload was ~6% of the CPU of a queue's 64 KiB items
 * (docs/performance.md, round 8). Names are owned exactly as before (spilled-bytes.ts): the
 * final reader of a name reads its range and removes the name, and the kernel frees the file
 * with its last name. The writer holds the file under an anchor name (`<pid>-a<n>`: not a
 * payload name, so no peer can make a process read or remove one, isSpillPath) until the batch
 * ends (at 1 MiB, at the end of the tick), then keeps it to write over (payload-file-pool.ts).
 * A process killed by a signal runs no 'exit' listener: its parent removes its kept files
 * (kept-payload-files.ts, called by @multiproc/process), else the tree's root at exit. The unread-bytes
 * accounting counts payloads, not files: an unread payload keeps its whole file in /dev/shm.
 */

/** A shared file takes payloads until it holds this many bytes. */
const BATCH_BYTES = 1024 * 1024;
/** Larger payloads get a file of their own: a shared file lives as long as its last payload. */
const SHARED_MAX = 256 * 1024;

// From a random start: names are `<pid>-<n>`, and two module instances with one pid (worker
// threads, two copies of wire) or a reused pid must not take each other's names.
let sequence = Math.floor(Math.random() * 2 ** 40);
/** The batch being written: its file, and how many bytes are in it. */
let current: PayloadFile | null = null;
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
    if (current !== null && size + bytes.byteLength > BATCH_BYTES) endPayloadBatch();
    const file = current ?? startBatch();
    const offset = size;
    size += bytes.byteLength;
    writeAll(file.fd, bytes, offset);
    linkSync(file.anchor, path);
    return { path, offset };
  } catch {
    // Out of space (a small /dev/shm in a container), the directory went away, a name taken.
    if (current !== null) release(current);
    current = null;
    releasePayloadFiles();
    if (made) unlinkQuietly(path);
    spillFailed();
    return null;
  }
}

/** Ends the batch: the names handed out keep its file; the pool keeps it to write over. */
export function endPayloadBatch(): void {
  if (current === null) return;
  keepFile(current);
  current = null;
}

function startBatch(): PayloadFile {
  let file = takeFreeFile();
  if (file === null) {
    const anchor = `${spillDir}/${process.pid}-a${sequence++}`;
    const fd = openSync(anchor, 'wx', 0o600);
    let ino: number;
    try {
      ino = fstatSync(fd).ino;
    } catch (error) {
      release({ fd, anchor, ino: 0 });
      throw error;
    }
    file = { fd, anchor, ino };
  }
  current = file;
  size = 0;
  setImmediate(endPayloadBatch).unref();
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      if (current !== null) release(current);
      current = null;
      releasePayloadFiles();
    });
  }
  return file;
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

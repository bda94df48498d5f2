import { InvalidArgumentError, MultiprocError } from './errors.js';
import { isSpillPath } from './spill-dir.js';

const { closeSync, existsSync, openSync, readSync, unlinkSync } = process.getBuiltinModule('node:fs');

/*
 * A large Buffer between two processes of one tree travels as a file on
 * tmpfs: the sender writes it once, the final receiver reads it once and
 * removes it, and a host in between (a queue's owner) passes on only its
 * name. That is one copy per side instead of one per socket hop and per
 * re-encode (docs/architecture.md, "Spilled payloads"). Exactly one process
 * is responsible for each name at a time: its writer until the name is sent,
 * then whoever holds a SpilledBytes for it, until it reads it or sends it on.
 * A name may be one of several links to a file the writer shared between
 * payloads (payload-writer.ts): its bytes start at `offset`, and the file
 * goes with its last name.
 */

/** Payload files this process is responsible for: removed at exit, or when their SpilledBytes is collected. */
const held = new Set<string>();
const unreachable = new FinalizationRegistry<string>((path) => {
  if (held.delete(path)) unlinkQuietly(path);
});
let exitHooked = false;

/** A payload kept as a file, held by a host that passes it on (see `HostedObject.keepsSpilled`). */
export class SpilledBytes {
  readonly path: string;
  readonly byteLength: number;
  /** Where the payload starts in its file. */
  readonly offset: number;

  /** Throws InvalidArgumentError unless `path` is a payload file of this process tree. */
  constructor(path: string, byteLength: number, offset = 0) {
    if (!isSpillPath(path) || !isSize(byteLength) || !isSize(offset)) {
      throw new InvalidArgumentError(
        `${path} (${byteLength} bytes at ${offset}) is not a payload file of this process tree`,
      );
    }
    this.path = path;
    this.byteLength = byteLength;
    this.offset = offset;
    held.add(path);
    unreachable.register(this, path, this);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', () => {
        for (const p of held) unlinkQuietly(p);
      });
    }
  }

  /** The bytes; the file is removed and this object must not be used again. */
  take(): Buffer {
    const bytes = readPayload(this.path, this.byteLength, this.offset);
    this.handedOn();
    removeRead(this.path);
    return bytes;
  }

  /** Another process is now responsible for the file (its name was sent). */
  handedOn(): void {
    held.delete(this.path);
    unreachable.unregister(this);
  }
}

/** How many payload files this process holds (none: nothing to materialize). */
export function heldPayloads(): number {
  return held.size;
}

/** Reads a payload file a peer named; throws MultiprocError('ERR_PAYLOAD_LOST') if it is not there whole. */
export function readPayload(path: string, byteLength: number, offset = 0): Buffer {
  if (!isSpillPath(path)) throw payloadLost(path, 'it is not a payload file of this process tree');
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const out = Buffer.allocUnsafe(byteLength);
    for (let at = 0; at < byteLength; ) {
      const n = readSync(fd, out, at, byteLength - at, offset + at);
      if (n === 0) throw new Error('it ended early');
      at += n;
    }
    return out;
  } catch (error) {
    throw error instanceof MultiprocError ? error : payloadLost(path, (error as Error).message, error);
  } finally {
    if (fd >= 0) closeQuietly(fd);
  }
}

/**
 * Removes the name of a payload just read. If it is gone already, another process removed it
 * while this one read (a peer given up for gone, a tree root exiting) and its file may have
 * been written over since (payload-file-pool.ts): ERR_PAYLOAD_LOST rather than those bytes.
 */
export function removeRead(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw payloadLost(path, 'it was removed while it was read', error);
    }
  }
}

/** For a read whose name is removed later: throws ERR_PAYLOAD_LOST if it went while it was read. */
export function checkStillNamed(path: string): void {
  if (!existsSync(path)) throw payloadLost(path, 'it was removed while it was read');
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (its tree's root exited, or a sweep).
  }
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing left to do.
  }
}

export function payloadLost(path: string, why: string, cause?: unknown): MultiprocError {
  return new MultiprocError(
    `a large payload sent through ${path} cannot be read: ${why}`,
    'ERR_PAYLOAD_LOST',
    {
      cause,
    },
  );
}

import { unlinkQuietly } from './spilled-bytes.js';

const { closeSync, statSync } = process.getBuiltinModule('node:fs');

/*
 * Shared payload files (payload-writer.ts) this process keeps, open, to write a later batch
 * over once every payload in them has been read. On tmpfs, allocating a file's pages and
 * freeing them were the largest part of the kernel's work per payload (docs/performance.md,
 * round 8); writing over pages that are still there costs only the copy. A file is free when
 * its anchor is its last name: each payload's name is removed by its reader after the read,
 * so nobody can open the file again. Names are never reused, only files. A reader whose name
 * another process removed while it read (a peer given up for gone, a tree root exiting) finds
 * it gone when it removes it, and reports the payload lost rather than trust bytes a writer
 * may have written over (spilled-bytes.ts).
 */

/** An open shared file, the writer's own name for it, and its inode. */
export interface PayloadFile {
  readonly fd: number;
  readonly anchor: string;
  readonly ino: number;
}

/**
 * At most this many files kept (1 MiB each). A producer runs ahead of its consumers, and a file
 * comes back only once they have read it: what counts is how deep a backlog the pool covers
 * (8 files: 28% of a 64 KiB queue's batches written over, 64: 82%).
 */
const POOL_FILES = 64;
/** A worker thread keeps none: terminated, it runs no 'exit' listener to let them go. */
let poolFiles = -1;
/** Kept files go after this long without a batch. */
const IDLE_MS = 1000;

/** Oldest first: readers take payloads in about the order they were written. */
const pool: PayloadFile[] = [];
let timer: NodeJS.Timeout | null = null;
let lastUse = 0;

/** The oldest kept file if it is free (then removed from the pool), else null. */
export function takeFreeFile(): PayloadFile | null {
  lastUse = Date.now();
  const oldest = pool[0];
  if (oldest === undefined || !isFree(oldest)) return null;
  pool.shift();
  // A second free one: consumers keep up, so it would only sit here. Its pages go now.
  const next = pool[0];
  if (next !== undefined && isFree(next)) release(pool.shift()!);
  return oldest;
}

/** Keeps an ended batch's file; when the pool is full, the oldest goes (its unread payloads keep it). */
export function keepFile(file: PayloadFile): void {
  if (poolFiles < 0)
    poolFiles = process.getBuiltinModule('node:worker_threads').isMainThread ? POOL_FILES : 0;
  if (poolFiles === 0) {
    release(file);
    return;
  }
  // Dropping the oldest, not the newest: a payload nobody reads would otherwise hold the head
  // of the pool, and every file behind it, for good.
  if (pool.length >= poolFiles) release(pool.shift()!);
  pool.push(file);
  if (timer === null) {
    timer = setInterval(releaseIfIdle, IDLE_MS);
    timer.unref();
  }
}

/** Closes and unnames every kept file (each goes with the last of its payloads still unread); at exit too (payload-writer.ts). */
export function releasePayloadFiles(): void {
  for (const file of pool.splice(0)) release(file);
  if (timer !== null) clearInterval(timer);
  timer = null;
}

export function release(file: PayloadFile): void {
  try {
    closeSync(file.fd);
  } catch {
    // Nothing left to do.
  }
  unlinkQuietly(file.anchor);
}

function releaseIfIdle(): void {
  if (Date.now() - lastUse >= IDLE_MS) releasePayloadFiles();
}

/**
 * By its name, not its descriptor: a file whose anchor went (a tree root removing the
 * directory) may still have payload names, so one link left is not enough.
 */
function isFree(file: PayloadFile): boolean {
  try {
    const st = statSync(file.anchor);
    return st.nlink === 1 && st.ino === file.ino;
  } catch {
    return false;
  }
}

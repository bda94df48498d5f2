import { unlinkQuietly } from './spilled-bytes.js';

const { closeSync, fstatSync } = process.getBuiltinModule('node:fs');

/*
 * Shared payload files (payload-writer.ts) this process keeps, open, to write a later batch
 * over once every payload in them has been read. On tmpfs, allocating a file's pages and
 * freeing them were the largest part of the kernel's work per payload (docs/performance.md,
 * round 8); writing over pages that are still there costs only the copy. A file is free when
 * its anchor is its last name: each payload's name is removed by its reader after the read,
 * so no reader can open the file again. Names are never reused, only files.
 */

/** An open shared file and the writer's own name for it. */
export interface PayloadFile {
  readonly fd: number;
  readonly anchor: string;
}

/**
 * At most this many files kept (1 MiB each). A producer runs ahead of its consumers, and a file
 * comes back only once they have read it: what counts is how deep a backlog the pool covers
 * (8 files: 28% of a 64 KiB queue's batches written over, 64: 82%).
 */
const POOL_FILES = 64;
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
  if (oldest === undefined || linksOf(oldest) !== 1) return null;
  pool.shift();
  // A second free one: consumers keep up, so it would only sit here. Its pages go now.
  const next = pool[0];
  if (next !== undefined && linksOf(next) === 1) release(pool.shift()!);
  return oldest;
}

/** Keeps an ended batch's file, or closes and unnames it when the pool is full. */
export function keepFile(file: PayloadFile): void {
  if (pool.length >= POOL_FILES) {
    release(file);
    return;
  }
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

function linksOf(file: PayloadFile): number {
  try {
    return fstatSync(file.fd).nlink;
  } catch {
    return -1;
  }
}

const { randomBytes } = process.getBuiltinModule('node:crypto');
const { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } =
  process.getBuiltinModule('node:fs');

/*
 * Where large payloads wait between processes (see spilled-bytes.ts): one
 * directory on tmpfs per process tree. The tree's first process names it and
 * passes the name to its children in the environment; a Host and a HostLink
 * only spill to each other when both name the same directory (handshake.ts),
 * so a payload never outlives the tree that can read it. The process that
 * named the directory removes it when it exits.
 */

const ENV = 'MULTIPROC_SPILL_DIR';
const PREFIX = 'multiproc-';
const ROOT = '/dev/shm';
/** A directory whose root process is gone and that nobody touched for this long is swept. */
const STALE_MS = 10 * 60 * 1000;

/** This tree's directory, or null when payloads always travel inline (`MULTIPROC_SPILL=0`, no /dev/shm). */
export const spillDir: string | null = chooseDir();

let ready = false;
let swept = false;
/** After a failure (no space, no directory), spilling pauses until then; payloads travel inline. */
let retryAt = 0;

function chooseDir(): string | null {
  if (process.env.MULTIPROC_SPILL === '0' || process.platform !== 'linux') return null;
  const inherited = process.env[ENV];
  // Only an absolute path: names are checked and told apart by their leading `/`.
  if (inherited) return inherited.startsWith('/') ? inherited : null;
  const dir = `${ROOT}/${PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
  process.env[ENV] = dir;
  process.once('exit', () => {
    // Most trees never spill, and a recursive rmSync of a directory that is not there costs
    // ~0.3-1 ms of every such process's exit (a warm spare names a tree of its own; even a
    // failing rmdir ~0.1 ms, for its error): look first, then one rmdir if it is empty.
    if (!existsSync(dir)) return;
    try {
      rmdirSync(dir);
    } catch {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Best effort at exit.
      }
    }
  });
  return dir;
}

/** Whether a payload may be spilled now (the directory exists, creating it on first use). */
export function spillDirReady(): boolean {
  if (ready) return true;
  if (spillDir === null || Date.now() < retryAt) return false;
  try {
    mkdirSync(spillDir, { recursive: true, mode: 0o700 });
  } catch {
    spillFailed();
    return false;
  }
  if (!swept) {
    // Once per process that spills: trees whose root was killed leave their directory behind.
    swept = true;
    sweepStale();
  }
  ready = true;
  return true;
}

/** A write failed: payloads travel inline for a second, then spilling is tried again. */
export function spillFailed(): void {
  ready = false;
  retryAt = Date.now() + 1000;
}

/** Is `path` a payload file of this tree (a peer names the file it wants read and removed)? */
export function isSpillPath(path: string): boolean {
  return (
    spillDir !== null &&
    path.length > spillDir.length + 1 &&
    path.startsWith(spillDir) &&
    path[spillDir.length] === '/' &&
    /^\d+-\d+$/.test(path.slice(spillDir.length + 1))
  );
}

/** Removes directories left by trees whose root was killed before it could (a crash, SIGKILL). */
function sweepStale(): void {
  let names: string[];
  try {
    names = readdirSync(ROOT);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^multiproc-(\d+)-[0-9a-f]+$/.exec(name);
    if (match === null || `${ROOT}/${name}` === spillDir) continue;
    if (pidAlive(Number(match[1]))) continue;
    const path = `${ROOT}/${name}`;
    try {
      // Empty: nothing in flight, so it goes at once (an orphaned tree still using it makes it again).
      rmdirSync(path);
    } catch {
      try {
        if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
      } catch {
        // Another user's, or already gone.
      }
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

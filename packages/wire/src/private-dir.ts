import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | null = null;

/**
 * A directory only this user can enter (mkdtemp makes it 0700), holding this
 * process's Unix sockets; removed when the process exits.
 */
export function privateDir(): string {
  if (dir === null) {
    dir = mkdtempSync(join(tmpdir(), `mp-${process.pid}-`));
    process.once('exit', removePrivateDir);
  }
  return dir;
}

export function removePrivateDir(): void {
  if (dir === null) return;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort at exit.
  }
  dir = null;
}

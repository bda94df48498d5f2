const { mkdtempSync, rmSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');

let dir: string | null = null;

/**
 * A directory only this user can enter (mkdtemp makes it 0700), holding this
 * process's Unix sockets; removed when the process exits.
 */
export function privateDir(): string {
  if (dir === null) {
    // node:os only now: a process that never makes a socket dir never loads it.
    dir = mkdtempSync(join(process.getBuiltinModule('node:os').tmpdir(), `mp-${process.pid}-`));
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

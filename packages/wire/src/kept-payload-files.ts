const { readdirSync, unlinkSync } = process.getBuiltinModule('node:fs');

/**
 * Removes the shared payload files process `pid` kept to write over (payload-file-pool.ts),
 * for a process gone without its 'exit' listeners (killed by a signal): up to 64 MiB of
 * /dev/shm that would otherwise wait for the tree's root to exit. Only the writer's own names
 * for them (`<pid>-a<n>`): a payload in them still unread keeps its name, and its file with it.
 * In wire's light entry, and free of the spill module's start-up: a parent that never spilled
 * has no directory named in its environment, and nothing to do.
 */
export function removeKeptPayloadFiles(pid: number): void {
  const dir = process.env.MULTIPROC_SPILL_DIR;
  if (!dir?.startsWith('/')) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `${pid}-a`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    try {
      unlinkSync(`${dir}/${name}`);
    } catch {
      // Gone already.
    }
  }
}

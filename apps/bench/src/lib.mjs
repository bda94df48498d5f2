// Helpers shared by the workload modules: how a case (one system on one
// workload) is described, run and skipped.
import { fileURLToPath } from 'node:url';

export const CASES = fileURLToPath(new URL('./cases/', import.meta.url));
export const PYTHON = fileURLToPath(new URL('./python/', import.meta.url));

/** A case run by Node: src/cases/<script> with its params as one JSON argv. */
export function nodeCase(fields, script, params) {
  return { ...fields, cmd: [process.execPath, CASES + script, JSON.stringify(params)] };
}

/** A Python anchor; skipped with a note when python3 is missing. */
export function pyCase(ctx, fields, script, params) {
  if (!ctx.python) return { ...fields, skip: 'skipped: python3 not found' };
  return { ...fields, cmd: [ctx.python, PYTHON + script, JSON.stringify(params)] };
}

/**
 * A latency case, plus the same case pinned to one CPU (`taskset -c 0`,
 * inherited by every process it starts). Without taskset the pinned row is
 * a skip note.
 */
export function withPinned(ctx, c) {
  const pinned = { ...c, pinned: true, system: `${c.system} [pinned: 1 CPU]` };
  if (c.skip) return [c, pinned];
  if (!ctx.taskset) return [c, { ...pinned, cmd: undefined, skip: 'skipped: taskset not found' }];
  return [c, { ...pinned, cmd: [ctx.taskset, '-c', '0', ...c.cmd] }];
}

/**
 * Does the workspace package export what the multiproc row needs? Its dist
 * may exist as a placeholder (`export {}`) before its issue lands.
 */
export async function packageExport(pkg, name) {
  try {
    const mod = await import(pkg);
    if (name in mod) return { ok: true };
    return { ok: false, why: `skipped: package not built (${pkg} has no '${name}' export yet)` };
  } catch (err) {
    return { ok: false, why: `skipped: package not built (${pkg}: ${err.code ?? err.message})` };
  }
}

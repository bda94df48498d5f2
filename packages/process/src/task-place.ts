import { type TaskBrand, taskBrand } from './task.js';

/*
 * A task defined in the main script that starts it, as Python's single-file
 * `if __name__ == '__main__':` programs do, while that script is still running
 * its top-level code (`await p.start()` at the top level): the parent cannot
 * import the script to find the task's export name, because that import waits
 * for the script, which waits for start(). Instead the child, which imports the
 * script afresh, finds the task by its place among the script's task() calls,
 * checked against a digest of the function's source so that a task() call that
 * only one side made can never start the wrong function.
 */

/** How the child finds a task whose export name the parent could not look up. */
export interface TaskPlace {
  ordinal: number;
  digest: number;
}

export function placeOf(fn: (...args: never[]) => unknown, brand: TaskBrand): TaskPlace {
  return { ordinal: brand.ordinal, digest: sourceDigest(fn) };
}

/** The export of `exports` that is the task at `place` of `module`, or undefined. */
export function findByPlace(
  exports: Record<string, unknown>,
  module: string,
  place: TaskPlace,
): ((...args: unknown[]) => unknown) | undefined {
  for (const value of Object.values(exports)) {
    const brand = taskBrand(value);
    if (brand?.module !== module || brand.ordinal !== place.ordinal) continue;
    const fn = value as (...args: unknown[]) => unknown;
    return sourceDigest(fn) === place.digest ? fn : undefined;
  }
  return undefined;
}

/** FNV-1a over the function's source text: cheap, and enough to tell two functions apart. */
function sourceDigest(fn: (...args: never[]) => unknown): number {
  const text = Function.prototype.toString.call(fn);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

import { type TaskBrand, taskBrand } from './task.js';

/*
 * A task defined in the main script that starts it, as Python's single-file
 * `if __name__ == '__main__':` programs do, while that script is still running
 * its top-level code (`await p.start()` at the top level): the parent cannot
 * import the script to find the task's export name, because that import waits
 * for the script, which waits for start(). Instead the child, which imports the
 * script afresh, finds the task by its place among the script's task() calls,
 * checked against a digest of the source and call site of every task() call up
 * to it, so a task() call that only one side made (behind `parentProcess() ===
 * null`, say) cannot make the child run another function, even one with the same
 * source (closures from one factory).
 */

/** How the child finds a task whose export name the parent could not look up. */
export interface TaskPlace {
  ordinal: number;
  chain: number;
}

export function placeOf(brand: TaskBrand): TaskPlace {
  return { ordinal: brand.ordinal, chain: brand.chain };
}

/** The export of `exports` that is the task at `place` of `module`, or undefined. */
export function findByPlace(
  exports: Record<string, unknown>,
  module: string,
  place: TaskPlace,
): ((...args: unknown[]) => unknown) | undefined {
  for (const value of Object.values(exports)) {
    const brand = taskBrand(value);
    if (brand?.module === module && brand.ordinal === place.ordinal && brand.chain === place.chain) {
      return value as (...args: unknown[]) => unknown;
    }
  }
  return undefined;
}

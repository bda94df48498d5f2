import { type TargetReference, taskModule } from './task.js';
import { TaskReferenceError } from './wire-core.js';

/** A target as it travels to the child: a module URL and an export name. */
export interface ResolvedTarget {
  module: string;
  name: string;
}

/**
 * Find the export that holds `target`, importing its module here first: a
 * target that cannot be found is reported at start() in the parent, with a
 * fix, instead of as a crash in the child (Python's pickling errors).
 */
export async function resolveTarget(target: unknown): Promise<ResolvedTarget> {
  if (typeof target === 'function') {
    const module = taskModule(target);
    if (module === undefined) {
      const name = target.name || 'the target';
      throw new TaskReferenceError(
        `${name} is not a task: export it from its module as \`export const ${target.name || 'fn'} = task(import.meta.url, ${target.name || 'fn'})\` so child processes can import it`,
      );
    }
    const exports = await importOrThrow(module);
    for (const [name, value] of Object.entries(exports)) {
      if (value === target) return { module, name };
    }
    throw new TaskReferenceError(
      `task ${target.name || '(anonymous)'} is not exported from ${module}: add \`export\` to its declaration so child processes can import it`,
    );
  }
  if (target && typeof target === 'object' && 'module' in target && 'name' in target) {
    const ref = target as TargetReference;
    const module = ref.module instanceof URL ? ref.module.href : String(ref.module);
    const exports = await importOrThrow(module);
    if (typeof exports[ref.name] !== 'function') {
      throw new TaskReferenceError(`${module} has no exported function named '${ref.name}'`);
    }
    return { module, name: ref.name };
  }
  throw new TaskReferenceError('target must be a task() function or { module, name }');
}

/**
 * A Process subclass that overrides run() travels as the export holding the
 * class; `static module = import.meta.url` on the class says where that is.
 */
export async function resolveClass(cls: { name: string; module?: unknown }): Promise<ResolvedTarget> {
  const module = cls.module;
  if (typeof module !== 'string' && !(module instanceof URL)) {
    throw new TaskReferenceError(
      `${cls.name} overrides run(): declare \`static module = import.meta.url\` in the class and export it, so the child process can import it`,
    );
  }
  const url = String(module);
  const exports = await importOrThrow(url);
  for (const [name, value] of Object.entries(exports)) if (value === cls) return { module: url, name };
  throw new TaskReferenceError(`${cls.name} is not exported from ${url}: export the class`);
}

export async function importOrThrow(module: string): Promise<Record<string, unknown>> {
  try {
    return (await import(module)) as Record<string, unknown>;
  } catch (error) {
    throw new TaskReferenceError(`cannot import ${module}: ${(error as Error).message}`, { cause: error });
  }
}

import { type TargetReference, taskBrand } from './task.js';
import { placeOf, type TaskPlace } from './task-place.js';
import { TaskReferenceError } from './wire-core.js';

const { realpathSync } = process.getBuiltinModule('node:fs');
const { pathToFileURL } = process.getBuiltinModule('node:url');

/** A target as it travels to the child: a module URL and an export name, or (name '') its place. */
export interface ResolvedTarget {
  module: string;
  name: string;
  place?: TaskPlace;
}

/**
 * Find the export that holds `target`, importing its module here first: a
 * target that cannot be found is reported at start() in the parent, with a
 * fix, instead of as a crash in the child (Python's pickling errors).
 */
export async function resolveTarget(target: unknown): Promise<ResolvedTarget> {
  if (typeof target === 'function') {
    const brand = taskBrand(target);
    if (brand === undefined) {
      const name = target.name || 'the target';
      throw new TaskReferenceError(
        `${name} is not a task: export it from its module as \`export const ${target.name || 'fn'} = task(import.meta.url, ${target.name || 'fn'})\` so child processes can import it`,
      );
    }
    const module = brand.module;
    const exports = module === mainScript() ? await settledNamespace(module) : await importOrThrow(module);
    // The main script is still running its top-level code: the child finds the task by its place.
    if (exports === null) return { module, name: '', place: placeOf(brand) };
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
  const exports = url === mainScript() ? await settledNamespace(url) : await importOrThrow(url);
  // The main script is still running its top-level code: the child looks for the class's own name.
  if (exports === null) return { module: url, name: cls.name };
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

let main: string | null | undefined;

/** The URL of the script node was started with (as its own import.meta.url), or null. */
function mainScript(): string | null {
  if (main === undefined) {
    main = null;
    const given = process.argv[1];
    // `node app` runs app.js (or .mjs, .cjs): the path as given may have no extension.
    for (const path of given ? [given, `${given}.js`, `${given}.mjs`, `${given}.cjs`] : []) {
      try {
        main = pathToFileURL(realpathSync(path)).href;
        break;
      } catch {
        // Not this one.
      }
    }
  }
  return main;
}

/** Namespaces of main scripts that have finished evaluating. */
const settled = new Map<string, Record<string, unknown>>();

/**
 * The module's namespace if it has finished evaluating, else null. Importing a module that has
 * settles within a few microtasks; one still running its top-level code (that awaits us) never
 * would before it ends. Under loader hooks (tsx) even a finished one takes longer, so the first
 * start may go by place; the namespace is kept once it arrives, for the starts after it.
 */
async function settledNamespace(module: string): Promise<Record<string, unknown> | null> {
  const known = settled.get(module);
  if (known) return known;
  const imported = importOrThrow(module);
  // If the race below is lost, nobody else hears of a failure.
  imported.then(
    (namespace) => settled.set(module, namespace),
    () => {},
  );
  const notYet = new Promise<null>((resolve) => setImmediate(resolve, null));
  return Promise.race([imported, notYet]);
}

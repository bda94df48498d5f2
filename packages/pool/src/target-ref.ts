import type { TargetReference, TaskFunction } from '@multiproc/process';
import { InvalidArgumentError, TaskReferenceError } from '@multiproc/wire';
import type { FunctionRef } from './protocol.js';

/** What a pool accepts as a task: a `task()` function or `{ module, name }` of an exported function. */
export type TaskTarget = TaskFunction | TargetReference;

/** `task()` marks functions with this registered symbol (see @multiproc/process). */
const TASK = Symbol.for('multiproc.task');

const byFunction = new WeakMap<object, Promise<FunctionRef>>();
/** Targets already resolved, so a submission needs no await (most are repeats). */
const known = new WeakMap<object, FunctionRef>();

/** The resolved reference of a task function seen before, if any. */
export function knownRef(target: TaskTarget): FunctionRef | undefined {
  return typeof target === 'function' ? known.get(target) : undefined;
}
const byName = new Map<string, Promise<FunctionRef>>();

/** Throws at once for something that cannot be a task target at all. */
export function checkTarget(target: unknown, what = 'task'): asserts target is TaskTarget {
  if (typeof target === 'function') return;
  if (target && typeof target === 'object' && 'module' in target && 'name' in target) return;
  throw new InvalidArgumentError(`${what} must be a task() function or { module, name }`);
}

/**
 * Find the module and export name a worker imports to get `target`, importing
 * the module here first, so a target the workers could not load fails in the
 * caller with a fix instead of in every worker. Cached per function.
 */
export function resolveRef(target: TaskTarget): Promise<FunctionRef> {
  if (typeof target === 'function') {
    let ref = byFunction.get(target);
    if (ref === undefined) {
      ref = resolveFunction(target);
      byFunction.set(target, ref);
      ref.then(
        (r) => known.set(target, r),
        () => byFunction.delete(target),
      );
    }
    return ref;
  }
  const module = target.module instanceof URL ? target.module.href : String(target.module);
  const key = `${module}#${target.name}`;
  let ref = byName.get(key);
  if (ref === undefined) {
    ref = resolveNamed(module, String(target.name));
    byName.set(key, ref);
    ref.catch(() => byName.delete(key));
  }
  return ref;
}

async function resolveFunction(fn: TaskFunction): Promise<FunctionRef> {
  const module = (fn as unknown as Record<symbol, { module?: string } | undefined>)[TASK]?.module;
  const name = fn.name || 'fn';
  if (module === undefined) {
    throw new TaskReferenceError(
      `${name} is not a task: export it from its module as \`export const ${name} = task(import.meta.url, ${name})\` so pool workers can import it`,
    );
  }
  const exports = await importOrThrow(module);
  for (const [exportName, value] of Object.entries(exports)) {
    if (value === fn) return { module, name: exportName };
  }
  throw new TaskReferenceError(
    `task ${fn.name || '(anonymous)'} is not exported from ${module}: add \`export\` to its declaration so pool workers can import it`,
  );
}

async function resolveNamed(module: string, name: string): Promise<FunctionRef> {
  const exports = await importOrThrow(module);
  if (typeof exports[name] !== 'function') {
    throw new TaskReferenceError(`${module} has no exported function named '${name}'`);
  }
  return { module, name };
}

export async function importOrThrow(module: string): Promise<Record<string, unknown>> {
  try {
    return (await import(module)) as Record<string, unknown>;
  } catch (error) {
    throw new TaskReferenceError(`cannot import ${module}: ${(error as Error).message}`, { cause: error });
  }
}

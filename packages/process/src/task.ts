import { InvalidArgumentError } from './wire-core.js';

/** Brand of a task() function (exported so declaration files can name it). */
export const TASK: unique symbol = Symbol.for('multiproc.task') as never;

/** Where a target lives: a module that child processes can import, and its export name. */
export interface TargetReference {
  module: string | URL;
  name: string;
}

/** What task() records on a function: its module, and its place among that module's task() calls. */
export interface TaskBrand {
  module: string;
  ordinal: number;
}

export type TaskFunction<A extends any[] = any[], R = unknown> = ((...args: A) => R) & {
  readonly [TASK]: TaskBrand;
};

/** task() calls per module so far: a child importing the module makes the same calls in the same order. */
const counts = new Map<string, number>();

/**
 * Mark an exported function as runnable in another process. The child
 * imports `moduleUrl` and calls the export that holds this function, so the
 * function must be exported from that module:
 *
 *     export const worker = task(import.meta.url, async (name: string) => { ... });
 */
export function task<F extends (...args: any[]) => any>(
  moduleUrl: string | URL,
  fn: F,
): F & TaskFunction<Parameters<F>, ReturnType<F>> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('task() needs a function');
  const module = String(moduleUrl);
  if (!module) throw new InvalidArgumentError('task() needs the module URL: task(import.meta.url, fn)');
  const ordinal = counts.get(module) ?? 0;
  counts.set(module, ordinal + 1);
  Object.defineProperty(fn, TASK, { value: { module, ordinal } satisfies TaskBrand, enumerable: false });
  return fn as F & TaskFunction<Parameters<F>, ReturnType<F>>;
}

export function taskBrand(fn: unknown): TaskBrand | undefined {
  return typeof fn === 'function' ? (fn as Partial<TaskFunction>)[TASK] : undefined;
}

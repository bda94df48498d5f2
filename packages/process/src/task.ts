import { InvalidArgumentError } from './wire-core.js';

/** Brand of a task() function (exported so declaration files can name it). */
export const TASK: unique symbol = Symbol.for('multiproc.task') as never;

/** Where a target lives: a module that child processes can import, and its export name. */
export interface TargetReference {
  module: string | URL;
  name: string;
}

/**
 * What task() records on a function: its module, its place among that module's task() calls,
 * and a digest of the sources and call sites of those calls up to this one (task-place.ts).
 */
export interface TaskBrand {
  module: string;
  ordinal: number;
  chain: number;
}

export type TaskFunction<A extends any[] = any[], R = unknown> = ((...args: A) => R) & {
  readonly [TASK]: TaskBrand;
};

/**
 * task() calls per module so far, and the digest of their sources: a child importing the module
 * makes the same calls in the same order.
 */
const calls = new Map<string, { count: number; chain: number }>();

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
  const seen = calls.get(module) ?? { count: 0, chain: FNV_OFFSET };
  const brand: TaskBrand = { module, ordinal: seen.count, chain: fnv(seen.chain, sourceAndSite(fn)) };
  calls.set(module, { count: seen.count + 1, chain: brand.chain });
  Object.defineProperty(fn, TASK, { value: brand, enumerable: false });
  return fn as F & TaskFunction<Parameters<F>, ReturnType<F>>;
}

export function taskBrand(fn: unknown): TaskBrand | undefined {
  return typeof fn === 'function' ? (fn as Partial<TaskFunction>)[TASK] : undefined;
}

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a of `text`, continuing from `hash`. */
function fnv(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The function's source and where task() was called from (line:column): closures from one
 * factory share their source but not their call sites.
 */
function sourceAndSite(fn: (...args: never[]) => unknown): string {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  let site = '';
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, frames) => frames;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, task);
    const caller = holder.stack?.[0];
    if (caller) site = `${caller.getLineNumber()}:${caller.getColumnNumber()}`;
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
  return `${site} ${Function.prototype.toString.call(fn)}`;
}

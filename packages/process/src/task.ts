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
 * A task() call: its function and the stack frame of its caller, captured raw (formatted only
 * if a place is ever asked for), and the digest up to it once computed.
 */
interface Call {
  fn: (...args: never[]) => unknown;
  site: { stack?: unknown };
  chain?: number;
}

/** task() calls per module so far: a child importing the module makes the same calls in the same order. */
const calls = new Map<string, Call[]>();

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
  let list = calls.get(module);
  if (!list) calls.set(module, (list = []));
  const ordinal = list.length;
  list.push({ fn, site: captureSite() });
  // The digest is needed only to start a target by place (task-place.ts), rarely: computed then.
  // Hashing every task's source as it is declared cost each child that imports a module of
  // tasks ~3 MB of RSS (the hashing loop brought in V8's optimizing compiler) and CPU.
  const brand: TaskBrand = {
    module,
    ordinal,
    get chain() {
      return chainOf(list, ordinal);
    },
  };
  Object.defineProperty(fn, TASK, { value: brand, enumerable: false });
  return fn as F & TaskFunction<Parameters<F>, ReturnType<F>>;
}

export function taskBrand(fn: unknown): TaskBrand | undefined {
  return typeof fn === 'function' ? (fn as Partial<TaskFunction>)[TASK] : undefined;
}

const FNV_OFFSET = 0x811c9dc5;

/** The digest of the sources and call sites of a module's task() calls up to `ordinal`. */
function chainOf(list: Call[], ordinal: number): number {
  let first = ordinal;
  while (first > 0 && list[first - 1]!.chain === undefined) first--;
  let hash = first === 0 ? FNV_OFFSET : list[first - 1]!.chain!;
  for (let i = first; i <= ordinal; i++) {
    const call = list[i]!;
    hash = call.chain ??= fnv(hash, `${siteOf(call.site)} ${Function.prototype.toString.call(call.fn)}`);
  }
  return hash;
}

/** FNV-1a of `text`, continuing from `hash`. */
function fnv(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The caller of task(), as a raw frame: V8 formats it only when `stack` is read. */
function captureSite(): { stack?: unknown } {
  const holder = {};
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, task);
  } finally {
    Error.stackTraceLimit = limit;
  }
  return holder;
}

/**
 * Where task() was called from (line:column): closures from one factory share their source
 * but not their call sites.
 */
function siteOf(holder: { stack?: unknown }): string {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const caller = (holder.stack as NodeJS.CallSite[] | undefined)?.[0];
    return caller ? `${caller.getLineNumber()}:${caller.getColumnNumber()}` : '';
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

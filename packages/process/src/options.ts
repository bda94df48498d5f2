import { type StartMethod, startMethodFor } from './launcher.js';
import type { TargetReference, TaskFunction } from './task.js';
import { InvalidArgumentError } from './wire-core.js';

export interface ProcessOptions {
  /** A `task()` function, or `{ module, name }` of an exported function. Omit when a subclass overrides `run()`. */
  target?: TaskFunction | TargetReference;
  /** Arguments for the target: encodable values, multiproc handles, and at the top level `net.Socket`/`net.Server` (sent as OS handles). @default [] */
  args?: readonly unknown[];
  /** @default `Process-N` (`<ClassName>-N` for a subclass; `N:M` when nested, as in Python) */
  name?: string;
  /** A daemon is ended when its parent ends, and cannot have children. @default the current process's daemon flag */
  daemon?: boolean;
  /** Environment of the child. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Node flags of the child; the parent's by default, so tsx and other loaders carry over. @default process.execArgv */
  execArgv?: string[];
  /** 'inherit' shares the parent's stdout/stderr; 'pipe' exposes `stdout`/`stderr`. stdin is always /dev/null, as in Python. @default 'inherit' */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** 'spawn' starts a fresh Node process; 'warm' hands the target to a spare started ahead of time. @default the global setStartMethod() value, 'spawn' */
  startMethod?: StartMethod;
}

/** Invalid options fail in the constructor, as Python's asserts do. */
export function checkOptions(options: ProcessOptions): void {
  const { target } = options;
  if (target !== undefined && typeof target !== 'function' && (typeof target !== 'object' || target === null))
    throw new InvalidArgumentError('target must be a task() function or { module, name }');
  if (options.name !== undefined && typeof options.name !== 'string')
    throw new InvalidArgumentError('name must be a string');
  if (options.args !== undefined && !Array.isArray(options.args))
    throw new InvalidArgumentError('args must be an array');
  if (options.stdio !== undefined && !['inherit', 'pipe', 'ignore'].includes(options.stdio))
    throw new InvalidArgumentError(`unknown stdio '${String(options.stdio)}'`);
  startMethodFor(options.startMethod);
}

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type TaskFunction, task } from '@multiproc/process';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface TourRun {
  args: string[];
  showed: string;
}

/** One subcommand of the demo. `run` resolves to the exit code it wants. */
export interface Example {
  name: string;
  summary: string;
  /** Which seed it reproduces, for --help. */
  seed: string;
  usage?: string;
  options?: Options;
  /** Extra arguments the tour passes (besides --fast). */
  tourArgs?: string[];
  /** What the tour's summary table says it showed. */
  showed: string;
  /** Run it more than once in the tour, with these arguments (instead of tourArgs/showed). */
  tourRuns?: TourRun[];
  run(args: string[]): Promise<number>;
}

export const fastOption: Options = { fast: { type: 'boolean', default: false } };

export function parse(args: string[], options: Options): Record<string, any> {
  return parseArgs({ args, options, allowPositionals: false, strict: true }).values;
}

const t0 = performance.now();
/** Seconds since the demo started, as the reference's timestamps. */
export function since(start = t0): string {
  return ((performance.now() - start) / 1000).toFixed(2).padStart(5);
}

/** Seconds since `t0` (a `Date.now()` taken in the parent), for lines printed by children. */
export function stamp(t0: number): string {
  return ((Date.now() - t0) / 1000).toFixed(2).padStart(5);
}

/** A positive integer option, or an error naming it. */
export function positiveInt(value: string, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw Object.assign(new Error(`--${name} must be an integer from 1 to ${max}, not '${value}'`), {
      code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
    });
  }
  return n;
}

/** Wall-clock time, as the seed's `time.ctime()`/`datetime.now()`. */
export function now(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

export function check(ok: boolean, what: string): boolean {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  return ok;
}

/**
 * `task()` with a nameable return type. `task()`'s inferred type mentions the
 * package's unexported TASK symbol, which `declaration: true` cannot emit (TS4023).
 */
export function defineTask<A extends any[], R>(moduleUrl: string, fn: (...args: A) => R): TaskFunction<A, R> {
  return task(moduleUrl, fn);
}

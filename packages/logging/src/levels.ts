import { InvalidArgumentError } from './wire-errors.js';

/** No level set: the logger falls back to {@link WARNING}, as Python's root logger does. */
export const NOTSET = 0;
/** Finer than DEBUG: finalizers and other very chatty internals. */
export const SUBDEBUG = 5;
export const DEBUG = 10;
export const INFO = 20;
/** Between INFO and WARNING: something unusual that is not yet a problem. */
export const SUBWARNING = 25;
export const WARNING = 30;
export const ERROR = 40;
export const CRITICAL = 50;

// SUBDEBUG and SUBWARNING are registered here on purpose: Python leaves them
// unnamed, so its lines read `[Level 5/…]` (pain point 18).
const NAMES: ReadonlyMap<number, string> = new Map([
  [NOTSET, 'NOTSET'],
  [SUBDEBUG, 'SUBDEBUG'],
  [DEBUG, 'DEBUG'],
  [INFO, 'INFO'],
  [SUBWARNING, 'SUBWARNING'],
  [WARNING, 'WARNING'],
  [ERROR, 'ERROR'],
  [CRITICAL, 'CRITICAL'],
]);

// WARN and FATAL are accepted because Python's logging accepts them too.
const BY_NAME: ReadonlyMap<string, number> = new Map([
  ...[...NAMES].map(([level, name]) => [name, level] as const),
  ['WARN', WARNING],
  ['FATAL', CRITICAL],
]);

/**
 * The name printed for a level: `'INFO'`, `'SUBDEBUG'`, … for the registered
 * levels, `'Level N'` for any other number (Python's wording).
 */
export function levelName(level: number): string {
  return NAMES.get(level) ?? `Level ${level}`;
}

/**
 * Turns a level given as a number (any integer ≥ 0, e.g. `CRITICAL + 1` to
 * silence everything) or a name (case-insensitive: `'debug'`, `'SUBWARNING'`,
 * `'warn'`) into its number.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) for anything else.
 */
export function parseLevel(levelOrName: number | string): number {
  if (typeof levelOrName === 'number') {
    if (Number.isInteger(levelOrName) && levelOrName >= 0) return levelOrName;
  } else if (typeof levelOrName === 'string') {
    const level = BY_NAME.get(levelOrName.trim().toUpperCase());
    if (level !== undefined) return level;
  }
  throw new InvalidArgumentError(
    `invalid logging level ${describe(levelOrName)}: expected an integer >= 0 or one of ${[...NAMES.values()].join(', ')}`,
  );
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

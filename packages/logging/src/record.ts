import { levelName } from './levels.js';

const { format } = process.getBuiltinModule('node:util');

/**
 * One logged event, as handlers receive it. Plain data on purpose: a child
 * sends it to its parent as it is, so it must survive serialisation.
 */
export interface LogRecord {
  /** Numeric level, e.g. `20` for INFO. */
  level: number;
  /** Printed name of `level`: `'INFO'`, `'SUBDEBUG'`, or `'Level N'` for an unregistered number. */
  levelName: string;
  /** The message with its `%s`/`%d`/… arguments already substituted. */
  message: string;
  /** Name of the process that logged it: `'MainProcess'`, `'p1'`, `'Process-1'`, … */
  processName: string;
  /** Operating-system id of the process that logged it. */
  pid: number;
  /** When it was logged, in milliseconds since the epoch (`Date.now()`). */
  time: number;
}

/**
 * Builds a record in the calling process. Like Python's logger, the message is
 * only %-formatted when arguments are given, so a lone `'100%'` prints as is.
 */
export function createRecord(
  level: number,
  msg: string,
  args: readonly unknown[],
  processName: string,
): LogRecord {
  return {
    level,
    levelName: levelName(level),
    message: args.length === 0 ? String(msg) : format(msg, ...args),
    processName,
    pid: process.pid,
    time: Date.now(),
  };
}

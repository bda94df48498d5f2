import { guarded } from './guarded.js';
import { parseLevel } from './levels.js';
import { getLogger, isLoggingToStderr, logToStderr } from './library-logger.js';
import type { LogRecord } from './record.js';
import { currentForwarder } from './routing.js';
import { InvalidArgumentError } from './wire-errors.js';

/** What a child needs to log like its parent. Plain data: it travels in the child's start payload. */
export interface LoggingConfig {
  /** The parent's effective level; the child logs at the same threshold. */
  level: number;
  /** Whether the parent called `logToStderr()`. */
  stderr: boolean;
}

/** The parent's side: the config to put in a child's start payload. */
export function getLoggingConfig(): LoggingConfig {
  return { level: getLogger().getEffectiveLevel(), stderr: isLoggingToStderr() };
}

/**
 * The child's side: logs at the parent's level. With `stderr: true` the stderr
 * handler is attached too, but while a forwarder is set it sees nothing (the
 * forwarder replaces local handlers, and the parent prints), so a line is never
 * printed twice. It only matters if the forwarder is removed, and it lets this
 * child's own children inherit `stderr: true`.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) for a malformed config
 */
export function applyLoggingConfig(config: LoggingConfig): void {
  if (config === null || typeof config !== 'object' || typeof config.stderr !== 'boolean') {
    throw new InvalidArgumentError('applyLoggingConfig expects { level: number, stderr: boolean }');
  }
  const level = parseLevel(config.level);
  if (config.stderr) logToStderr(level);
  else getLogger().setLevel(level);
}

/**
 * The parent's side: gives a record received from a child to this process's
 * handlers, each filtering by its own `level` only (the child already applied
 * the logger level it inherited). In a process that forwards itself (a child's
 * child), the record goes on up to the top parent.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) when `record` is not a LogRecord
 */
export function handleRemoteRecord(record: LogRecord): void {
  if (!isLogRecord(record)) throw new InvalidArgumentError('handleRemoteRecord expects a LogRecord');
  const forward = currentForwarder();
  if (forward) guarded(() => forward(record));
  else getLogger().handle(record);
}

function isLogRecord(value: unknown): value is LogRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.level === 'number' &&
    typeof r.levelName === 'string' &&
    typeof r.message === 'string' &&
    typeof r.processName === 'string' &&
    typeof r.pid === 'number' &&
    typeof r.time === 'number'
  );
}

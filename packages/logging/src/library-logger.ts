import { parseLevel } from './levels.js';
import { Logger } from './logger.js';
import { StderrHandler } from './stderr-handler.js';

// One per process, like Python's `logging.getLogger('multiprocessing')`:
// every multiproc package logs its lifecycle through this instance.
const libraryLogger = new Logger();
// Kept so logToStderr can tell whether *its* handler is attached: calling it
// twice must not print every line twice (Python does; pain point 18).
const stderrHandler = new StderrHandler();

/** The logger multiproc itself logs to. Always the same instance in a process. No handler and level NOTSET (effective WARNING) until configured, so nothing prints by default. */
export function getLogger(): Logger {
  return libraryLogger;
}

/**
 * Prints the library's records on stderr as `[LEVEL/processName] message`,
 * like Python's `log_to_stderr()`. Idempotent: the stderr handler is attached
 * once, so a second call only changes the level (when one is given). Child
 * processes started afterwards log at the same level, and their lines are
 * printed by this process.
 * @param level threshold to set on the logger, a number or a name
 *   (case-insensitive). When omitted the level is left as it is (NOTSET,
 *   i.e. WARNING, unless set before), as in Python.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) for an invalid level, with
 *   nothing attached.
 */
export function logToStderr(level?: number | string): Logger {
  const parsed = level === undefined ? undefined : parseLevel(level);
  if (!isLoggingToStderr()) libraryLogger.addHandler(stderrHandler);
  if (parsed !== undefined) libraryLogger.setLevel(parsed);
  return libraryLogger;
}

/** Whether `logToStderr()`'s handler is attached to the library logger right now. */
export function isLoggingToStderr(): boolean {
  return libraryLogger.handlers.includes(stderrHandler);
}

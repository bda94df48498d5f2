import type { LogRecord } from './record.js';

/** Where records go. Anything with a `handle` method is a handler (route records to pino, a file, …). */
export interface Handler {
  /** Called once per record at or above `level`. Must not throw; if it does, the error is reported on stderr and logging goes on. */
  handle(record: LogRecord): void;
  /**
   * Records below this level skip this handler, whatever the logger's level.
   * @default undefined (every record the logger lets through)
   */
  level?: number;
}

/** The line Python prints for `[%(levelname)s/%(processName)s] %(message)s`, without the newline. */
export function formatRecord(record: LogRecord): string {
  return `[${record.levelName}/${record.processName}] ${record.message}`;
}

import { formatRecord, type Handler } from './handler.js';
import { NOTSET, parseLevel } from './levels.js';
import type { LogRecord } from './record.js';

/** Options for {@link StderrHandler}. */
export interface StderrHandlerOptions {
  /**
   * Records below this level are not printed.
   * @default 0 (NOTSET: print every record the logger lets through)
   */
  level?: number | string;
}

/**
 * Prints each record as `[LEVEL/processName] message` on stderr. The line and
 * its newline go out in a single write, so lines from several processes sharing
 * one stderr never merge mid-line (pain points 18 and 22).
 */
export class StderrHandler implements Handler {
  /** Records below this level are not printed. @default 0 */
  level: number;

  constructor(options: StderrHandlerOptions = {}) {
    this.level = parseLevel(options.level ?? NOTSET);
  }

  handle(record: LogRecord): void {
    process.stderr.write(`${formatRecord(record)}\n`);
  }
}

import { guarded } from './guarded.js';
import type { Handler } from './handler.js';
import { CRITICAL, DEBUG, ERROR, INFO, NOTSET, parseLevel, SUBDEBUG, SUBWARNING, WARNING } from './levels.js';
import { createRecord, type LogRecord } from './record.js';
import { currentForwarder, currentProcessName } from './routing.js';
import { InvalidArgumentError } from './wire-errors.js';

/**
 * Python's `multiprocessing` logger: levels, pluggable handlers, `%s`/`%d`
 * message arguments. Get the library's own instance with `getLogger()`; a
 * `new Logger()` is independent of it but, like it, stamps records with the
 * process-wide name provider and obeys the process-wide record forwarder.
 */
export class Logger {
  #level = NOTSET;
  // Copy-on-write, so a handler that removes itself while a record is being
  // dispatched does not make the loop skip the next one.
  #handlers: readonly Handler[] = Object.freeze([]);

  /** The handlers records are dispatched to, in the order they were added. A snapshot: it does not change later. */
  get handlers(): readonly Handler[] {
    return this.#handlers;
  }

  /**
   * Sets the threshold: records below it are dropped before formatting.
   * `NOTSET` (0) means "WARNING", as for Python's root logger.
   * @param level a number ≥ 0 or a level name (case-insensitive)
   * @throws InvalidArgumentError (`ERR_INVALID_ARG`) for anything else
   */
  setLevel(level: number | string): void {
    this.#level = parseLevel(level);
  }

  /** The level set with `setLevel`, as is (`0` when never set). */
  get level(): number {
    return this.#level;
  }

  /** The threshold in effect: the level set, or WARNING when it is NOTSET. */
  getEffectiveLevel(): number {
    return this.#level === NOTSET ? WARNING : this.#level;
  }

  /** Whether a record at `level` would be created at all. */
  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
  }

  /** Adds a handler. Adding one that is already there does nothing. */
  addHandler(handler: Handler): void {
    if (handler === null || typeof handler !== 'object' || typeof handler.handle !== 'function') {
      throw new InvalidArgumentError('addHandler expects an object with a handle(record) method');
    }
    if (!this.#handlers.includes(handler)) this.#handlers = Object.freeze([...this.#handlers, handler]);
  }

  /** Removes a handler. Removing one that is not there does nothing. */
  removeHandler(handler: Handler): void {
    this.#handlers = Object.freeze(this.#handlers.filter((h) => h !== handler));
  }

  subdebug(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(SUBDEBUG)) this.#emit(SUBDEBUG, msg, args);
  }
  debug(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(DEBUG)) this.#emit(DEBUG, msg, args);
  }
  info(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(INFO)) this.#emit(INFO, msg, args);
  }
  subwarning(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(SUBWARNING)) this.#emit(SUBWARNING, msg, args);
  }
  warning(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this.#emit(WARNING, msg, args);
  }
  error(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) this.#emit(ERROR, msg, args);
  }
  critical(msg: string, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this.#emit(CRITICAL, msg, args);
  }

  /**
   * Logs at any level, e.g. `log(INFO, 'joined %s', name)` or `log('debug', …)`.
   * @throws InvalidArgumentError (`ERR_INVALID_ARG`) when `level` is not a level
   */
  log(level: number | string, msg: string, ...args: unknown[]): void {
    const n = parseLevel(level);
    if (this.isEnabledFor(n)) this.#emit(n, msg, args);
  }

  /**
   * Gives an already built record to every handler whose own `level` it meets.
   * The logger's level is not checked again: whoever built the record (for
   * example a child process, with the level it inherited) already did.
   */
  handle(record: LogRecord): void {
    for (const handler of this.#handlers) {
      if (handler.level !== undefined && record.level < handler.level) continue;
      guarded(() => handler.handle(record));
    }
  }

  #emit(level: number, msg: string, args: readonly unknown[]): void {
    const record = createRecord(level, msg, args, currentProcessName());
    const forward = currentForwarder();
    if (forward) guarded(() => forward(record));
    else this.handle(record);
  }
}

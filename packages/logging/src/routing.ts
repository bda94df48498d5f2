import type { LogRecord } from './record.js';
import { InvalidArgumentError } from './wire-errors.js';

/** Receives every record logged in this process instead of the local handlers. */
export type RecordForwarder = (record: LogRecord) => void;

// Process-wide, not per logger: the process's name and whether its records
// belong to a parent are facts about the process. In a child, @multiproc/process
// sets both as this package loads, before the code that imported it runs.
let processNameProvider: () => string = () => 'MainProcess';
let forwarder: RecordForwarder | null = null;

/**
 * Sets where records get their `processName`. Called by `@multiproc/process`
 * so records carry `currentProcess().name`; a function, so a later rename shows.
 * @default () => 'MainProcess'
 */
export function setProcessNameProvider(fn: () => string): void {
  if (typeof fn !== 'function') throw new InvalidArgumentError('setProcessNameProvider expects a function');
  processNameProvider = fn;
}

/**
 * In a child process, sends every record to the parent instead of printing it
 * here, so the parent's handlers (stderr, pino, …) see the child's lines.
 * `null` goes back to local handlers.
 * @default null
 */
export function setRecordForwarder(fn: RecordForwarder | null): void {
  if (fn !== null && typeof fn !== 'function') {
    throw new InvalidArgumentError('setRecordForwarder expects a function or null');
  }
  forwarder = fn;
}

/** The name to stamp on a record logged now. Never throws: a broken provider must not break logging. */
export function currentProcessName(): string {
  try {
    return String(processNameProvider());
  } catch {
    return `pid ${process.pid}`;
  }
}

/** The forwarder in effect, or `null` when records are handled locally. */
export function currentForwarder(): RecordForwarder | null {
  return forwarder;
}

import { publishLink } from './process-link.js';

// Re-exported so users can `instanceof`-check what this package throws without another import.

export {
  applyLoggingConfig,
  getLoggingConfig,
  handleRemoteRecord,
  type LoggingConfig,
} from './cross-process.js';
export { formatRecord, type Handler } from './handler.js';
export {
  CRITICAL,
  DEBUG,
  ERROR,
  INFO,
  levelName,
  NOTSET,
  parseLevel,
  SUBDEBUG,
  SUBWARNING,
  WARNING,
} from './levels.js';
export { getLogger, isLoggingToStderr, logToStderr } from './library-logger.js';
export { Logger } from './logger.js';
export type { LoggingLink } from './process-link.js';
export type { LogRecord } from './record.js';
export { type RecordForwarder, setProcessNameProvider, setRecordForwarder } from './routing.js';
export { StderrHandler, type StderrHandlerOptions } from './stderr-handler.js';
export { InvalidArgumentError, MultiprocError } from './wire-errors.js';

// For @multiproc/process, which does not import this package (process-link.ts).
publishLink();

import { applyLoggingConfig, getLoggingConfig, handleRemoteRecord } from './cross-process.js';
import { formatRecord } from './handler.js';
import { getLogger, isLoggingToStderr } from './library-logger.js';
import { setProcessNameProvider, setRecordForwarder } from './routing.js';

/**
 * What `@multiproc/process` uses of this package. It reaches it through a
 * global rather than an import: a spawned child that logs nothing then never
 * loads logging (one module and two package resolutions, ~2 ms of its start).
 */
export interface LoggingLink {
  getLogger: typeof getLogger;
  getLoggingConfig: typeof getLoggingConfig;
  applyLoggingConfig: typeof applyLoggingConfig;
  handleRemoteRecord: typeof handleRemoteRecord;
  setProcessNameProvider: typeof setProcessNameProvider;
  setRecordForwarder: typeof setRecordForwarder;
  formatRecord: typeof formatRecord;
  isLoggingToStderr: typeof isLoggingToStderr;
}

const LINK = Symbol.for('multiproc.logging');
const ON_LOAD = Symbol.for('multiproc.logging.onLoad');

/**
 * Called once, by this package's entry: publishes the link, then runs what
 * `@multiproc/process` asked to happen when logging loads (a child's name,
 * forwarder and inherited config) — before the code that imported logging runs,
 * so its first record is already routed. The first copy of this package to
 * load is the one published; every copy gets the child's settings.
 */
export function publishLink(): void {
  const link: LoggingLink = {
    getLogger,
    getLoggingConfig,
    applyLoggingConfig,
    handleRemoteRecord,
    setProcessNameProvider,
    setRecordForwarder,
    formatRecord,
    isLoggingToStderr,
  };
  const g = globalThis as Record<symbol, unknown>;
  g[LINK] ??= link;
  (g[ON_LOAD] as ((link: LoggingLink) => void) | undefined)?.(link);
}

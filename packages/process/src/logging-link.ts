import type { LoggingConfig, LoggingLink, LogRecord } from '@multiproc/logging';

/**
 * This package does not import @multiproc/logging: a spawned child that logs
 * nothing would load it only to drop records (one module and two package
 * resolutions, ~2 ms of its start). Logging publishes itself on a global when
 * anyone loads it (its process-link.ts); this is the other side.
 */
const LINK = Symbol.for('multiproc.logging');
const ON_LOAD = Symbol.for('multiproc.logging.onLoad');
const g = globalThis as Record<symbol, unknown>;

/** @multiproc/logging, if this process has loaded it (the user, another package, or this one). */
export function loadedLogging(): LoggingLink | undefined {
  return g[LINK] as LoggingLink | undefined;
}

/** The library logger, if logging is loaded (if not, nothing configured it: no line would print). */
export function libraryLogger(): ReturnType<LoggingLink['getLogger']> | undefined {
  return loadedLogging()?.getLogger();
}

/** @multiproc/logging, loaded now if nobody has. */
export async function loadLogging(): Promise<LoggingLink> {
  const link = loadedLogging();
  if (link) return link;
  await import('@multiproc/logging');
  return loadedLogging() as LoggingLink;
}

/** The config this child was started with, for its own children while logging is not loaded here. */
let inherited: LoggingConfig | null = null;

/**
 * A child's side: keeps the config it was started with and runs `setUp` on
 * logging now if it is loaded, and on every copy of it that loads later, before
 * the importer's code runs (a child's name, forwarder and inherited config must
 * be in place for its first record).
 */
export function onLoggingLoaded(config: LoggingConfig | null, setUp: (link: LoggingLink) => void): void {
  inherited = config;
  g[ON_LOAD] = setUp;
  const link = loadedLogging();
  if (link) setUp(link);
}

/**
 * The config to start a child with: this process's, or, while logging is not
 * loaded here, the one it was started with (a grandchild logs at the top
 * parent's level); null in a parent that never loaded logging.
 */
export function loggingConfigForChild(): LoggingConfig | null {
  return loadedLogging()?.getLoggingConfig() ?? inherited;
}

let recordsInFlight: Promise<void> | null = null;

/**
 * A record a child forwarded, for this process's handlers. In order: when
 * logging is not loaded here yet, this and the records after it wait for it.
 */
export function handleChildRecord(record: LogRecord): void {
  const link = loadedLogging();
  if (link && recordsInFlight === null) {
    handle(link, record);
    return;
  }
  const queued = (recordsInFlight ?? Promise.resolve())
    .then(loadLogging)
    .then((l) => handle(l, record), reportLoggingError);
  recordsInFlight = queued;
  void queued.then(() => {
    if (recordsInFlight === queued) recordsInFlight = null;
  });
}

/** Resolves once every child record received so far is handled (join() waits for it). */
export function childRecordsHandled(): Promise<void> {
  return recordsInFlight ?? Promise.resolve();
}

/**
 * A malformed record (a target's own `process.send({ type: 'log' })`) is reported as
 * Python's Handler.handleError reports a failing handler, and this process goes on.
 */
function handle(link: LoggingLink, record: LogRecord): void {
  try {
    link.handleRemoteRecord(record);
  } catch (error) {
    reportLoggingError(error);
  }
}

function reportLoggingError(error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`--- Logging error ---\n${detail}\n`);
}

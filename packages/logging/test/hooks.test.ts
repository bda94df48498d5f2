import {
  applyLoggingConfig,
  DEBUG,
  ERROR,
  getLogger,
  getLoggingConfig,
  type Handler,
  handleRemoteRecord,
  INFO,
  isLoggingToStderr,
  type LogRecord,
  logToStderr,
  NOTSET,
  StderrHandler,
  SUBDEBUG,
  setProcessNameProvider,
  setRecordForwarder,
  WARNING,
} from '@multiproc/logging';
import { afterEach, describe, expect, it } from 'vitest';

function collector(level?: number): Handler & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { records, level, handle: (r) => records.push(r) };
}

function remote(level: number, levelName: string, message: string): LogRecord {
  return { level, levelName, message, processName: 'p1', pid: 4242, time: Date.now() };
}

// The hooks act on the process-wide library logger: put it back after each test.
afterEach(() => {
  setRecordForwarder(null);
  setProcessNameProvider(() => 'MainProcess');
  const logger = getLogger();
  for (const h of logger.handlers) logger.removeHandler(h);
  logger.setLevel(NOTSET);
});

describe('cross-process hooks', () => {
  it('stamps records with the name from the provider, read at log time', () => {
    const logger = getLogger();
    const h = collector();
    logger.addHandler(h);
    let name = 'Process-1';
    setProcessNameProvider(() => name);
    logger.warning('a');
    name = 'renamed';
    logger.warning('b');
    expect(h.records.map((r) => `${r.processName}:${r.message}`)).toEqual(['Process-1:a', 'renamed:b']);
  });

  it('sends records to the forwarder instead of the local handlers', () => {
    const logger = getLogger();
    logger.setLevel(INFO);
    const local = collector();
    logger.addHandler(local);
    const forwarded: LogRecord[] = [];
    setProcessNameProvider(() => 'p1');
    setRecordForwarder((r) => forwarded.push(r));
    logger.info('child process calling self.run()');
    logger.debug('filtered in the child, never forwarded');
    expect(local.records).toEqual([]);
    expect(forwarded).toEqual([
      expect.objectContaining({
        level: INFO,
        levelName: 'INFO',
        message: 'child process calling self.run()',
        processName: 'p1',
        pid: process.pid,
      }),
    ]);
    setRecordForwarder(null);
    logger.info('local again');
    expect(local.records.map((r) => r.message)).toEqual(['local again']);
  });

  it('dispatches a remote record by each handler level, not by the logger level', () => {
    const logger = getLogger();
    logger.setLevel(ERROR);
    const all = collector();
    const infoUp = collector(INFO);
    const errorUp = collector(ERROR);
    for (const h of [all, infoUp, errorUp]) logger.addHandler(h);
    handleRemoteRecord(remote(SUBDEBUG, 'SUBDEBUG', 'sub'));
    handleRemoteRecord(remote(INFO, 'INFO', 'info'));
    expect(all.records.map((r) => r.message)).toEqual(['sub', 'info']);
    expect(infoUp.records.map((r) => r.message)).toEqual(['info']);
    expect(errorUp.records).toEqual([]);
    expect(all.records[0]).toMatchObject({ level: SUBDEBUG, processName: 'p1', pid: 4242 });
  });

  it('relays a remote record to its own forwarder when this process forwards too', () => {
    const local = collector();
    getLogger().addHandler(local);
    const forwarded: LogRecord[] = [];
    setRecordForwarder((r) => forwarded.push(r));
    const record = remote(WARNING, 'WARNING', 'from a grandchild');
    handleRemoteRecord(record);
    expect(forwarded).toEqual([record]);
    expect(local.records).toEqual([]);
  });

  it('rejects a remote record that is not a LogRecord', () => {
    expect(() => handleRemoteRecord({ level: 'x' } as unknown as LogRecord)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });

  it('rejects hooks that are not functions', () => {
    expect(() => setProcessNameProvider('p1' as unknown as () => string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(() => setRecordForwarder(42 as unknown as null)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });

  it('describes the parent: effective level and whether stderr is on', () => {
    expect(getLoggingConfig()).toEqual({ level: WARNING, stderr: false });
    logToStderr(DEBUG);
    const config = getLoggingConfig();
    expect(config).toEqual({ level: DEBUG, stderr: true });
    expect(structuredClone(config)).toEqual(config);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it('applies a config in a child without ever printing a line twice', () => {
    const forwarded: LogRecord[] = [];
    setRecordForwarder((r) => forwarded.push(r));
    applyLoggingConfig({ level: DEBUG, stderr: true });
    const logger = getLogger();
    expect(logger.getEffectiveLevel()).toBe(DEBUG);
    expect(isLoggingToStderr()).toBe(true);
    expect(logger.handlers.filter((h) => h instanceof StderrHandler)).toHaveLength(1);
    logger.debug('goes to the parent');
    expect(forwarded.map((r) => r.message)).toEqual(['goes to the parent']);
    expect(getLoggingConfig()).toEqual({ level: DEBUG, stderr: true });
  });

  it('applies a config without stderr by setting the level only', () => {
    applyLoggingConfig({ level: INFO, stderr: false });
    expect(getLogger().getEffectiveLevel()).toBe(INFO);
    expect(getLogger().handlers).toEqual([]);
  });

  it('rejects a malformed config', () => {
    for (const bad of [null, {}, { level: 10 }, { level: -1, stderr: false }, { level: 10, stderr: 'yes' }]) {
      expect(() => applyLoggingConfig(bad as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
      );
    }
  });
});

import {
  DEBUG,
  ERROR,
  getLogger,
  type Handler,
  INFO,
  Logger,
  type LogRecord,
  NOTSET,
  SUBDEBUG,
  SUBWARNING,
  WARNING,
} from '@multiproc/logging';
import { describe, expect, it } from 'vitest';

function collector(level?: number): Handler & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { records, level, handle: (r) => records.push(r) };
}

function loggerWith(level?: number): [Logger, LogRecord[]] {
  const logger = new Logger();
  if (level !== undefined) logger.setLevel(level);
  const h = collector();
  logger.addHandler(h);
  return [logger, h.records];
}

describe('Logger', () => {
  it('starts at NOTSET, which acts as WARNING, with no handler', () => {
    const logger = new Logger();
    expect(logger.level).toBe(NOTSET);
    expect(logger.getEffectiveLevel()).toBe(WARNING);
    expect(logger.handlers).toEqual([]);
    expect(logger.isEnabledFor(INFO)).toBe(false);
    expect(logger.isEnabledFor(WARNING)).toBe(true);
  });

  it('getLogger returns one instance, unconfigured by default', () => {
    expect(getLogger()).toBe(getLogger());
    expect(getLogger().handlers).toEqual([]);
    expect(getLogger().getEffectiveLevel()).toBe(WARNING);
  });

  it('drops records below the level and keeps the rest, one method per level', () => {
    const [logger, records] = loggerWith(SUBWARNING);
    logger.subdebug('a');
    logger.debug('b');
    logger.info('c');
    logger.subwarning('d');
    logger.warning('e');
    logger.error('f');
    logger.critical('g');
    logger.log(27, 'h');
    logger.log('info', 'i');
    expect(records.map((r) => [r.levelName, r.message])).toEqual([
      ['SUBWARNING', 'd'],
      ['WARNING', 'e'],
      ['ERROR', 'f'],
      ['CRITICAL', 'g'],
      ['Level 27', 'h'],
    ]);
  });

  it('fills every record field', () => {
    const [logger, records] = loggerWith(SUBDEBUG);
    const before = Date.now();
    logger.subdebug('x');
    expect(records).toEqual([
      {
        level: SUBDEBUG,
        levelName: 'SUBDEBUG',
        message: 'x',
        processName: 'MainProcess',
        pid: process.pid,
        time: expect.any(Number),
      },
    ]);
    expect(records[0]!.time).toBeGreaterThanOrEqual(before);
  });

  it('formats %s and %d arguments like Python, and leaves a lone % alone', () => {
    const [logger, records] = loggerWith(DEBUG);
    logger.info('process exiting with exitcode %d', 0);
    logger.debug('calling join() for process %s', 'p1');
    logger.error('%s of %d tasks failed: %s', 2, 10, 'boom');
    logger.warning('100% done');
    logger.warning('%s stays when no args are given');
    expect(records.map((r) => r.message)).toEqual([
      'process exiting with exitcode 0',
      'calling join() for process p1',
      '2 of 10 tasks failed: boom',
      '100% done',
      '%s stays when no args are given',
    ]);
  });

  it('does not format arguments of a disabled record', () => {
    const [logger, records] = loggerWith(ERROR);
    let formatted = 0;
    const arg = {
      toString() {
        formatted++;
        return 'arg';
      },
    };
    logger.debug('%s', arg);
    logger.log(INFO, '%s', arg);
    expect(formatted).toBe(0);
    logger.critical('%s', arg);
    expect(formatted).toBe(1);
    expect(records.map((r) => r.message)).toEqual(['arg']);
  });

  it('adds and removes handlers; adding the same one twice keeps one', () => {
    const logger = new Logger();
    const a = collector();
    const b = collector();
    logger.addHandler(a);
    logger.addHandler(a);
    logger.addHandler(b);
    expect(logger.handlers).toEqual([a, b]);
    logger.warning('one');
    logger.removeHandler(a);
    logger.removeHandler(a);
    logger.warning('two');
    expect(logger.handlers).toEqual([b]);
    expect(a.records.map((r) => r.message)).toEqual(['one']);
    expect(b.records.map((r) => r.message)).toEqual(['one', 'two']);
  });

  it('gives out a handlers snapshot that does not change under the caller', () => {
    const logger = new Logger();
    const snapshot = logger.handlers;
    logger.addHandler(collector());
    expect(snapshot).toEqual([]);
    expect(Object.isFrozen(logger.handlers)).toBe(true);
  });

  it('lets each handler filter by its own level', () => {
    const logger = new Logger();
    logger.setLevel(DEBUG);
    const all = collector();
    const errorsOnly = collector(ERROR);
    logger.addHandler(all);
    logger.addHandler(errorsOnly);
    logger.debug('d');
    logger.error('e');
    expect(all.records.map((r) => r.message)).toEqual(['d', 'e']);
    expect(errorsOnly.records.map((r) => r.message)).toEqual(['e']);
  });

  it('rejects something that is not a handler', () => {
    const logger = new Logger();
    expect(() => logger.addHandler({} as Handler)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });
});

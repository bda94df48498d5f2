import {
  CRITICAL,
  DEBUG,
  ERROR,
  INFO,
  InvalidArgumentError,
  Logger,
  levelName,
  MultiprocError,
  NOTSET,
  parseLevel,
  SUBDEBUG,
  SUBWARNING,
  WARNING,
} from '@multiproc/logging';
import { describe, expect, it } from 'vitest';

describe('levels', () => {
  it('has the values Python uses', () => {
    expect([NOTSET, SUBDEBUG, DEBUG, INFO, SUBWARNING, WARNING, ERROR, CRITICAL]).toEqual([
      0, 5, 10, 20, 25, 30, 40, 50,
    ]);
  });

  it('names every registered level, SUBDEBUG and SUBWARNING included', () => {
    expect(levelName(SUBDEBUG)).toBe('SUBDEBUG');
    expect(levelName(SUBWARNING)).toBe('SUBWARNING');
    expect(levelName(INFO)).toBe('INFO');
    expect(levelName(CRITICAL)).toBe('CRITICAL');
    expect(levelName(NOTSET)).toBe('NOTSET');
  });

  it('prints an unregistered number as "Level N"', () => {
    expect(levelName(7)).toBe('Level 7');
    expect(levelName(51)).toBe('Level 51');
  });

  it('parses numbers and case-insensitive names', () => {
    expect(parseLevel(20)).toBe(INFO);
    expect(parseLevel(33)).toBe(33);
    expect(parseLevel('debug')).toBe(DEBUG);
    expect(parseLevel('SubWarning')).toBe(SUBWARNING);
    expect(parseLevel('subdebug')).toBe(SUBDEBUG);
    expect(parseLevel('WARN')).toBe(WARNING);
    expect(parseLevel('notset')).toBe(NOTSET);
  });

  it.each([
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    'verbose',
    '',
    '20',
    null,
    undefined,
    {},
  ])('rejects %s with ERR_INVALID_ARG', (bad) => {
    let caught: unknown;
    try {
      parseLevel(bad as number);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect(caught).toBeInstanceOf(MultiprocError);
    expect((caught as MultiprocError).code).toBe('ERR_INVALID_ARG');
  });

  it('rejects an invalid level in setLevel and log, leaving the level unchanged', () => {
    const logger = new Logger();
    logger.setLevel(INFO);
    expect(() => logger.setLevel('loud')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => logger.log(-5, 'x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(logger.level).toBe(INFO);
  });
});

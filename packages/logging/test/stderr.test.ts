import { describe, expect, it } from 'vitest';
import { runFixture, runNode } from './run-node.js';

describe('logToStderr in a real process', () => {
  it('prints nothing by default: no handler until logToStderr', async () => {
    const r = await runNode(`L.getLogger().critical('unseen'); L.getLogger().warning('unseen');`);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('is idempotent: called twice, a record prints once', async () => {
    const r = await runNode(`
      L.logToStderr();
      const logger = L.logToStderr(L.INFO);
      logger.info('hello');
    `);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('[INFO/MainProcess] hello\n');
  });

  it('a second call with a level only changes the level', async () => {
    const r = await runNode(`
      const logger = L.logToStderr(L.ERROR);
      logger.warning('dropped');
      L.logToStderr(L.DEBUG);
      logger.debug('kept');
      console.error(String(logger.handlers.length));
    `);
    expect(r.stderr).toBe('[DEBUG/MainProcess] kept\n1\n');
  });

  it('without a level keeps WARNING as the threshold, like Python', async () => {
    const r = await runNode(`
      const logger = L.logToStderr();
      logger.info('dropped');
      logger.warning('kept');
    `);
    expect(r.stderr).toBe('[WARNING/MainProcess] kept\n');
  });

  it('prints SUBDEBUG and SUBWARNING by name, unknown levels as "Level N"', async () => {
    const r = await runNode(`
      const logger = L.logToStderr(L.SUBDEBUG);
      logger.subdebug('finalizer calling %s with args %s', 'f', '[]');
      logger.subwarning('odd');
      logger.log(7, 'custom');
      logger.info('process exiting with exitcode %d', 0);
    `);
    expect(r.stderr.split('\n')).toEqual([
      '[SUBDEBUG/MainProcess] finalizer calling f with args []',
      '[SUBWARNING/MainProcess] odd',
      '[Level 7/MainProcess] custom',
      '[INFO/MainProcess] process exiting with exitcode 0',
      '',
    ]);
  });

  it('re-attaches after the stderr handler was removed', async () => {
    const r = await runNode(`
      const logger = L.logToStderr(L.INFO);
      for (const h of logger.handlers) logger.removeHandler(h);
      logger.info('silenced');
      L.logToStderr();
      logger.info('back');
    `);
    expect(r.stderr).toBe('[INFO/MainProcess] back\n');
  });

  it('an invalid level throws ERR_INVALID_ARG and attaches nothing', async () => {
    const r = await runNode(`
      try { L.logToStderr('loud'); } catch (err) { console.log(err.code, err instanceof L.MultiprocError); }
      console.log(L.getLogger().handlers.length);
    `);
    expect(r.stdout).toBe('ERR_INVALID_ARG true\n0\n');
  });

  it('a throwing handler is reported and the others still run', async () => {
    const r = await runNode(`
      const logger = L.getLogger();
      logger.addHandler({ handle() { throw new Error('handler broke'); } });
      L.logToStderr();
      logger.error('still logged');
      console.log('after');
    `);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('after\n');
    expect(r.stderr).toMatch(/^--- Logging error ---\nError: handler broke\n/);
    expect(r.stderr.endsWith('[ERROR/MainProcess] still logged\n')).toBe(true);
  });
});

describe('records from children', () => {
  it("reach the parent's handlers as whole lines, at the parent's level", async () => {
    const r = await runFixture('forwarding-parent.mjs');
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      '[INFO/p1] child process calling self.run()',
      '[DEBUG/p1] finalizer calling cleanup',
      '[INFO/p1] process exiting with exitcode 0',
      '[INFO/MainProcess] process shutting down',
      '',
    ]);
    // Routed through the parent's own handler, so a user handler (pino, …) sees them too.
    expect(r.stdout).toBe('user handler saw 3 child records\n');
  });

  it('from several children at once never merge mid-line: the parent is the only writer', async () => {
    const writers = 4;
    const lines = 2000;
    const r = await runFixture('many-children.mjs', [String(writers), String(lines)], 20_000);
    expect(r.code).toBe(0);
    const out = r.stderr.split('\n');
    expect(out.pop()).toBe('');
    expect(out).toHaveLength(writers * lines);
    const pattern = /^\[INFO\/w\d\] line \d+ x+$/;
    expect(out.filter((l) => !pattern.test(l))).toEqual([]);
    for (let w = 0; w < writers; w++) {
      const own = out.filter((l) => l.startsWith(`[INFO/w${w}] `)).map((l) => Number(l.split(' ')[2]));
      expect(own).toEqual(Array.from({ length: lines }, (_, n) => n));
    }
  }, 30_000);
});

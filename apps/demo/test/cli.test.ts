import { afterEach, describe, expect, it } from 'vitest';
import { leftovers, reapAll, runCli } from './helpers.js';

afterEach(reapAll);

describe('multiproc-demo', () => {
  it('--help lists every subcommand, one line each', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of [
      'tour',
      'join',
      'daemon',
      'terminate',
      'logging',
      'subclass',
      'memory',
      'event',
      'event-pool',
      'queue',
      'pipe',
      'pool',
      'pool-waves',
      'baozi',
      'echo',
      'echo-server',
      'echo-client',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd} +\\S`, 'm'));
    }
  });

  it('<cmd> --help shows its options', async () => {
    const r = await runCli(['echo-server', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--port');
    expect(r.stdout).toContain('--host');
  });

  it('an unknown command or option is an error with usage, exit 2', async () => {
    expect((await runCli(['nope'])).code).toBe(2);
    const r = await runCli(['memory', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
  });

  it('join: both started then joined, and one at a time', async () => {
    const r = await runCli(['join', '--fast']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/Run child process func_1 \(\d+\)/g)).toHaveLength(2);
    expect(r.stdout.match(/Stop child process func_2 \(\d+\)/g)).toHaveLength(2);
    expect(r.stdout.match(/hello world!/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/together: .* one at a time: /);
    // variant C: func_1 stops before func_2 runs
    const c = r.stdout.slice(r.stdout.indexOf('--- C'));
    expect(c.indexOf('Stop child process func_1')).toBeLessThan(c.indexOf('Run child process func_2'));
  });

  it('daemon: joined daemons end; unjoined daemons are ended when main ends, p1 is waited for', async () => {
    const r = await runCli(['daemon', '--fast']);
    expect(r.code).toBe(0);
    const [a, a2] = r.stdout.split('--- A′');
    for (const n of ['p1', 'p2', 'p3']) expect(a).toMatch(new RegExp(`\\d ${n} end`));
    expect(a2).toMatch(/main code finished/);
    expect(a2).toMatch(/\d p1 end/);
    expect(a2).not.toMatch(/p2 end|p3 end/);
  });

  it('terminate: isAlive, exitCode null then -15, and the three workers 0, 1, -15', async () => {
    const r = await runCli(['terminate', '--fast']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('exitCode right after terminate: null');
    expect(r.stdout).toContain('exitCode after join: -15');
    expect(r.stdout).toContain('There is no problem here');
    expect(r.stdout).not.toContain('This process will be terminated');
    expect(r.stdout).toMatch(/exitCode 0\n.*exitCode 1\n.*exitCode -15/);
    expect(r.stderr).toContain('RuntimeError: Error raised!');
  });

  it("logging: the child's [INFO/p1] lines reach stderr", async () => {
    const r = await runCli(['logging', '--fast']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('running worker process');
    expect(r.stderr).toContain('[INFO/p1] child process calling self.run()');
    expect(r.stderr).toContain('[INFO/p1] process exiting with exitcode 0');
  });

  it('subclass: WorkerProcess-1..5', async () => {
    const r = await runCli(['subclass', '--fast']);
    expect(r.code).toBe(0);
    const names = [...r.stdout.matchAll(/^(WorkerProcess-\d) \(pid/gm)].map((m) => m[1]);
    expect(names).toEqual([1, 2, 3, 4, 5].map((i) => `WorkerProcess-${i}`));
  });

  it('memory: the child sets n = 0, the parent keeps 100', async () => {
    const r = await runCli(['memory', '--fast']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/in child \(pid \d+\) n: 0/);
    expect(r.stdout).toMatch(/in parent \(pid \d+\) n: 100/);
  });

  it('event: an Event passed to three workers gives 9 A/B lines', async () => {
    const r = await runCli(['event', '--fast']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^[AB] - \d+\.\d\d \(worker-\d\)$/gm)).toHaveLength(9);
  });

  it('echo: the tour exchange with three clients passes', async () => {
    const r = await runCli(['echo', '--fast'], { timeout: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('echo-server exited 0 after SIGINT');
  });

  it('tour: every example under a heading, then the summary table, exit 0', async () => {
    const r = await runCli([], { timeout: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/example +\| what it showed +\| exit code/);
    for (const cmd of [
      'join',
      'daemon',
      'terminate',
      'logging',
      'subclass',
      'memory',
      'event',
      'event-pool',
      'queue',
      'pipe',
      'pool',
      'pool-waves',
      'baozi --mode sentinel --consumers 1',
      'baozi --mode joinable',
      'echo',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^${cmd} +\\| .* \\| 0$`, 'm'));
    }
    expect(await leftovers(r)).toEqual([]);
  }, 130_000);
});

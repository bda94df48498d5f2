import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Process } from '@multiproc/process';
import { afterEach, expect, it } from 'vitest';
import { noop, Recorder, WorkerProcess } from './fixtures/tasks.mjs';
import { cleanup, collect, runScript, tempDir, track } from './helpers.js';

afterEach(cleanup);

it('seed 000-E: subclassed processes are named WorkerProcess-1..5 and run run()', async () => {
  const { code, stdout, stderr } = await runScript(['parent-subclass.mjs']).done;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toBe([1, 2, 3, 4, 5].map((i) => `WorkerProcess-${i} hello\n`).join(''));
});

it('instance fields set before start() are there in run(), which runs in the child', async () => {
  const file = join(tempDir(), 'rec.json');
  const p = track(new Recorder(file, { name: 'rec' }));
  p.extra = { nested: ['x'] };
  await p.start();
  await p.join();
  expect(p.exitCode).toBe(0);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
    name: 'rec',
    pid: p.pid,
    items: [1, 2, 3],
    extra: { nested: ['x'] },
    alive: true,
    current: 'rec',
    isRecorder: true,
  });
});

it('a subclass default name is <ClassName>-N; run() output comes from the child', async () => {
  const p = track(new WorkerProcess({ stdio: 'pipe' }));
  expect(p.name).toMatch(/^WorkerProcess-\d+$/);
  p.greeting = 'hi';
  await p.start();
  const [stdout] = await Promise.all([collect(p.stdout), p.join()]);
  expect(stdout).toBe(`${p.name} hi\n`);
});

it('Process.run() called in the parent is an error: start() the process instead', () => {
  expect(() => new Process({ target: noop }).run()).toThrow(/start\(\) the process instead/);
});

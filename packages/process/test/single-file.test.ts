import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, FIXTURES, runScript } from './helpers.js';

afterEach(cleanup);

// The script awaits start() in its own top-level code, so the parent cannot import it to look
// up the export: the child finds the target (these hung with exit code 13 before).
describe('a target defined in the main script that awaits start() at its top level', () => {
  it('a task runs in the child', async () => {
    const { code, stdout, stderr } = await runScript(['single-file.mjs', 'task']).done;
    expect(stderr).toBe('');
    expect(stdout).toBe('hello world from worker\nexitcode 0\n');
    expect(code).toBe(0);
  });

  it('a Process subclass runs its run()', async () => {
    const { code, stdout } = await runScript(['single-file.mjs', 'class']).done;
    expect(stdout).toBe('run() in greeter\nexitcode 0\n');
    expect(code).toBe(0);
  });

  it('a task that is not exported fails in the child with TaskReferenceError', async () => {
    const { code, stdout, stderr } = await runScript(['single-file.mjs', 'hidden']).done;
    expect(stdout).toBe('exitcode 1\n');
    expect(stderr).toMatch(
      /^Process worker:\nTaskReferenceError: the task started from file:.*single-file\.mjs \(its task\(\) call #2\) is not exported there/,
    );
    expect(code).toBe(0);
  });

  it('a task made differently in the child is refused, not swapped for another function', async () => {
    const { stdout, stderr } = await runScript(['single-file.mjs', 'differs']).done;
    expect(stdout).toBe('exitcode 1\n');
    expect(stderr).toContain('TaskReferenceError');
  });

  it('closures with one source are told apart by place, and a task() call only the parent made is refused', async () => {
    const same = await runScript(['single-file-factory.mjs']).done;
    expect(same.stdout).toBe('scaled 15\nexitcode 0\n');
    const shifted = await runScript(['single-file-factory.mjs', 'extra']).done;
    expect(shifted.stdout).toBe('exitcode 1\n');
    expect(shifted.stderr).toContain('TaskReferenceError');
  });

  it('also when the script was started without its extension (`node app` for app.js)', async () => {
    const { code, stdout, stderr } = await runScript(['app'], { cwd: join(FIXTURES, 'esm-app') }).done;
    expect(stderr).toBe('');
    expect(stdout).toBe('hello from app\nexitcode 0\n');
    expect(code).toBe(0);
  });
});

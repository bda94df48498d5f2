import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { currentProcess, Process } from '@multiproc/process';
import { privateDir } from '@multiproc/wire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { writeStartState } from './fixtures/tasks.mjs';
import { cleanup, isGone, own, PACKAGE_DIR, runScript, tempDir, track, waitFor } from './helpers.js';

afterEach(cleanup);

const ENTRY = join(PACKAGE_DIR, 'dist', 'index.js');

/** What this process's descriptors point to that is a start file (none without /proc). */
function openStartFiles(): string[] {
  if (!existsSync('/proc/self/fd')) return [];
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return /\/start-\d+/.test(target) ? [target] : [];
    } catch {
      return []; // closed meanwhile
    }
  });
}

// A spawned child gets its payload in an unlinked file it inherits as a descriptor, and runs
// the package's entry as its main module (start-file.ts).
describe('the start file', () => {
  it('carries the payload whole (authkey, a 1 MiB Buffer, plain values); the child keeps no descriptor of it and its argv has no trace of it', async () => {
    const file = join(tempDir(), 'state.json');
    const bytes = Buffer.alloc(1024 * 1024, 7);
    bytes[0] = 1;
    bytes[bytes.length - 1] = 2;
    const p = track(new Process({ target: writeStartState, args: [file, bytes, { a: [1, 'two', null] }] }));
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      argv: [ENTRY],
      authkey: currentProcess().authkey.toString('hex'),
      bytes: bytes.length,
      sum: (bytes.length - 2) * 7 + 3,
      nested: { a: [1, 'two', null] },
      startFiles: [],
    });
    // Unlinked as soon as it was made: nothing in this process's private dir; and this process
    // closed its descriptor once the child had its own.
    expect(readdirSync(privateDir()).filter((name) => name.startsWith('start-'))).toEqual([]);
    expect(openStartFiles()).toEqual([]);
  });

  it('the child runs although its parent was SIGKILLed right after start() resolved, as in Python', async () => {
    const dir = tempDir();
    const out = join(dir, 'info.json');
    const pidFile = join(dir, 'pid');
    const parent = runScript(['parent-killed-after-start.mjs', out, pidFile]);
    const { signal } = await parent.done;
    expect(signal).toBe('SIGKILL');
    const pid = own(Number(readFileSync(pidFile, 'utf8')));
    expect(await waitFor(() => existsSync(out), 10_000)).toBe(true);
    expect(await waitFor(() => readFileSync(out, 'utf8').endsWith('}'), 10_000)).toBe(true);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ name: 'Process-1', pid });
    expect(await waitFor(() => isGone(pid), 10_000)).toBe(true);
  });

  it('a parent run as `node --input-type=module -e` starts children from the CommonJS entry, which Node allows there', async () => {
    const file = join(tempDir(), 'argv.json');
    const code = `
      import { Process } from '@multiproc/process';
      import { writeArgv } from './tasks.mjs';
      const p = new Process({ target: writeArgv, args: [${JSON.stringify(file)}] });
      await p.start();
      await p.join();
      console.log(p.exitCode);
    `;
    const { code: exit, stdout, stderr } = await runScript(['--input-type=module', '-e', code]).done;
    expect(stderr).toBe('');
    expect(exit).toBe(0);
    expect(stdout.trim()).toBe('0');
    // Every child shows the package's entry as its script, whichever entry started it.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([ENTRY]);
  });
});

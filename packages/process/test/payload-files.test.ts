import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Process } from '@multiproc/process';
import { afterEach, describe, expect, it } from 'vitest';
import { keepPayloadFile } from './fixtures/tasks.mjs';
import { cleanup, tempDir, track, waitFor } from './helpers.js';

afterEach(cleanup);

// Loading wire names this process tree's payload directory; children inherit it.
await import('@multiproc/wire');
const dir = process.env.MULTIPROC_SPILL_DIR as string;
const namesOf = (pid: number): string[] =>
  (existsSync(dir) ? readdirSync(dir) : []).filter((name) => name.startsWith(`${pid}-`));

describe.skipIf(dir === undefined)('payload files of a child killed by a signal', () => {
  it('its kept files go when join() sees it gone; an unread payload stays', { timeout: 30_000 }, async () => {
    const ready = join(tempDir(), 'ready');
    const p = track(new Process({ target: keepPayloadFile, args: [ready] }));
    await p.start();
    expect(await waitFor(() => existsSync(ready), 20_000)).toBe(true);
    const pid = p.pid as number;
    try {
      expect(namesOf(pid).some((name) => name.startsWith(`${pid}-a`))).toBe(true);
      p.kill();
      await p.join();
      expect(p.exitCode).toBe(-9);
      // The payload it wrote (and never sent) keeps its name; the writer's own name is gone.
      expect(namesOf(pid).filter((name) => name.startsWith(`${pid}-a`))).toEqual([]);
      expect(namesOf(pid)).toHaveLength(1);
    } finally {
      for (const name of namesOf(pid)) unlinkSync(`${dir}/${name}`);
    }
  });
});

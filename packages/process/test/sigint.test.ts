import { existsSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { cleanup, isGone, own, runScript, waitFor } from './helpers.js';

afterEach(cleanup);

it.each([
  ['the parent alone', false],
  ['its whole process group, as a terminal does', true],
])('Ctrl-C to %s: the children end, the socket dir is removed, no tracebacks', async (_, group) => {
  const parent = runScript(['parent-sigint.mjs'], { detached: group });
  const { pids, dir } = (await parent.firstJson()) as { pids: number[]; dir: string };
  for (const pid of pids) own(pid);
  expect(pids.some(isGone)).toBe(false);
  expect(existsSync(dir)).toBe(true);
  if (group) process.kill(-parent.child.pid!, 'SIGINT');
  else parent.child.kill('SIGINT');
  const { signal, stderr } = await parent.done;
  // It dies of the signal, as Node would have, after ending its children.
  expect(signal).toBe('SIGINT');
  expect(await waitFor(() => pids.every(isGone))).toBe(true);
  expect(existsSync(dir)).toBe(false);
  // No child printed a traceback.
  expect(stderr).toBe('');
});

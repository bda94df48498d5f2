import { afterEach, expect, it } from 'vitest';
import { cleanup, runScript } from './helpers.js';

afterEach(cleanup);

it('the README example prints what the README says', async () => {
  const { code, stdout, stderr } = await runScript(['readme/main.mjs']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toBe('49\n[ 1, 4, 9, 16 ]\n25\n36\nWorkerExitedError SIGKILL\n64\n');
});

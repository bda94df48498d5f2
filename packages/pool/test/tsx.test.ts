import { afterEach, expect, it } from 'vitest';
import { cleanup, runScript } from './helpers.js';

afterEach(cleanup);

it('a TypeScript task module runs in the workers through tsx', async () => {
  const { code, stdout, stderr } = await runScript(['--import', 'tsx', 'ts/main.ts']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout.trim()).toBe('[5,10]');
});

import { afterEach, expect, it } from 'vitest';
import { cleanup, PACKAGE_DIR, runScript } from './helpers.js';

afterEach(cleanup);

it('a TypeScript task module runs through tsx: children inherit execArgv', async () => {
  const { code, stdout, stderr } = await runScript(['--import', 'tsx', 'test/fixtures/ts/parent.ts'], {
    cwd: PACKAGE_DIR,
  }).done;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const [report, exit] = stdout.trim().split('\n');
  expect(JSON.parse(report!)).toEqual({ result: 42, execArgv: ['--import', 'tsx'] });
  expect(exit).toBe('exit 0');
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

it('runs and exits 0', async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [cli], { timeout: 20_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
  );
  expect(out).toContain('multiproc demo');
});

import { fileURLToPath } from 'node:url';
import { type IpcChild, reapIpcChildren, spawnIpcFixture } from '@multiproc/test-kit';

export { within } from '@multiproc/test-kit';
export type Child = IpcChild;

/** Fork this package's `test/fixtures/<name>.mjs` with `args` encoded on its argv. */
export function spawnFixture(name: string, args: unknown[], options?: { env?: NodeJS.ProcessEnv }): Child {
  return spawnIpcFixture(fileURLToPath(new URL(`./fixtures/${name}.mjs`, import.meta.url)), args, options);
}

/** Kill every fixture still running (call in afterEach). */
export const reapChildren = reapIpcChildren;

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child as KitChild } from '@multiproc/test-kit';

export { arg, type Exit, isAlive, keyArg, reapChildren, trackPid, within } from '@multiproc/test-kit';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A child running `test/fixtures/<fixture>` of this package. */
export class Child extends KitChild {
  constructor(fixture: string, args: string[]) {
    super(join(FIXTURES, fixture), args);
  }
}

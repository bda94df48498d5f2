import * as logging from '@multiproc/logging';
import { expect, it } from 'vitest';

// dist/ is bundled (scripts/bundle-dist.mjs) without keepNames: a class that names itself in
// its body would come out renamed (`_X`).
it('every exported class and function keeps its own name in the bundle', () => {
  for (const [name, value] of Object.entries(logging)) {
    if (typeof value === 'function') expect(value.name, name).toBe(name);
  }
});

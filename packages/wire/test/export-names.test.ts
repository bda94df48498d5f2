import * as wire from '@multiproc/wire';
import * as core from '@multiproc/wire/core';
import { expect, it } from 'vitest';

// dist/ is bundled (scripts/bundle-dist.mjs) without keepNames: a class that names itself in
// its body comes out renamed (`_Host`), and error names come from `new.target.name`.
it('every exported class and function keeps its own name in the bundle', () => {
  for (const [name, value] of Object.entries({ ...wire, ...core })) {
    if (typeof value === 'function') expect(value.name, name).toBe(name);
  }
  expect(new wire.TimeoutError('late').name).toBe('TimeoutError');
});

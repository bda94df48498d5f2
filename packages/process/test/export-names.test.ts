import * as processApi from '@multiproc/process';
import { expect, it } from 'vitest';

// dist/ is bundled (scripts/bundle-dist.mjs) without keepNames: a class that names itself in
// its body comes out renamed (`_Process`), and children's default names come from
// `new.target.name` (Process-1).
it('every exported class and function keeps its own name in the bundle', () => {
  for (const [name, value] of Object.entries(processApi)) {
    if (typeof value === 'function') expect(value.name, name).toBe(name);
  }
  expect(new processApi.Process({}).name).toMatch(/^Process-\d+$/);
});

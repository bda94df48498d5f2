import { task } from '@multiproc/process';
export const double = task(import.meta.url, (x) => x * 2);
export const produce = task(import.meta.url, async (q) => {
  for (let i = 0; i < 5; i++) await q.put(i);
  await q.put(null);
});

import { task } from '@multiproc/process';

export const noop = task(import.meta.url, () => {});

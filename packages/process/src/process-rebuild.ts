import { Process } from './process.js';
import type { StartPayload } from './start-payload.js';
import { TaskReferenceError } from './wire-core.js';

const REBUILD = Symbol.for('multiproc.process.rebuild');

/** Rebuild a Process subclass instance in the child without calling its constructor, as Python unpickles. */
export function restoreBuild(cls: unknown, p: StartPayload, decode: (b: Buffer) => unknown): Process {
  if (typeof cls !== 'function' || !(cls.prototype instanceof Process)) {
    throw new TaskReferenceError(`${p.target.module} export '${p.target.name}' is not a Process subclass`);
  }
  const self = Object.create(cls.prototype) as Process;
  (Process as unknown as Record<symbol, (s: Process, p: StartPayload) => void>)[REBUILD]!(self, p);
  const [fields] = p.fields ? (decode(Buffer.from(p.fields)) as [Record<string, unknown>]) : [{}];
  Object.assign(self, fields);
  return self;
}

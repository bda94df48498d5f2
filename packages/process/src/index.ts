// The child's bootstrap, registered for bootstrap-entry.cjs (it runs nothing on import).
import './bootstrap.js';

export { activeChildren } from './children.js';
export { type Context, getContext } from './context.js';
export { cpuCount } from './cpu.js';
export { currentProcess, type ParentInfo, type ProcessInfo, parentProcess } from './identity.js';
export {
  getStartMethod,
  type StartMethod,
  type StartMethodOptions,
  setStartMethod,
  sparesReady,
  stopSpares,
} from './launcher.js';
export type { ProcessOptions } from './options.js';
export { Process } from './process.js';
export { TASK, type TargetReference, type TaskFunction, task } from './task.js';
export {
  AuthenticationError,
  ConnectionClosedError,
  InvalidArgumentError,
  MultiprocError,
  ProcessStateError,
  RemoteError,
  TaskReferenceError,
  TimeoutError,
} from './wire-core.js';

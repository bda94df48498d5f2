export {
  AuthenticationError,
  ConnectionClosedError,
  InvalidArgumentError,
  MultiprocError,
  ProcessStateError,
  RemoteError,
  TaskReferenceError,
  TimeoutError,
} from '@multiproc/wire';
export { activeChildren } from './children.js';
export { cpuCount } from './cpu.js';
export { currentProcess, type ParentInfo, type ProcessInfo, parentProcess } from './identity.js';
export { getStartMethod, type StartMethod, setStartMethod, stopSpares } from './launcher.js';
export { Process, type ProcessOptions } from './process.js';
export { type TargetReference, type TaskFunction, task } from './task.js';

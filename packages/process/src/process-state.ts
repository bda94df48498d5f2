import type { ChildProcess } from 'node:child_process';
import type { ProcessOptions } from './options.js';
import { ProcessStateError } from './wire-core.js';

/**
 * What a Process object holds, under a symbol instead of #private fields: a
 * subclass instance rebuilt in the child (process-rebuild.ts) is made without
 * the constructor, so it has no private brand, and `this.pid` or
 * `this.isAlive()` in its run() must still work.
 */
export const STATE = Symbol('multiproc.process.state');

export interface State {
  options: ProcessOptions;
  name: string;
  daemon: boolean;
  identity: number[];
  started: boolean;
  closed: boolean;
  child: ChildProcess | null;
  pid: number | undefined;
  exitCode: number | null;
  exited: Promise<void>;
  markExited: () => void;
  isSelf: boolean;
  /** Pending join() calls: while any, the child's handle is ref'd. */
  joining: number;
}

/** Anything with a Process's state slot (the class itself imports this module). */
export interface HasState {
  [STATE]: State;
}

export type InitialState = Pick<
  State,
  'options' | 'name' | 'daemon' | 'identity' | 'started' | 'pid' | 'isSelf'
>;

export function setState(p: HasState, initial: InitialState): void {
  let markExited!: () => void;
  const exited = new Promise<void>((r) => (markExited = r));
  const state: State = {
    ...initial,
    closed: false,
    child: null,
    exitCode: null,
    exited,
    markExited,
    joining: 0,
  };
  Object.defineProperty(p, STATE, { enumerable: false, writable: true, value: state });
}

/** The state of a Process object not yet closed (else ProcessStateError). */
export function openState(p: HasState): State {
  const s = p[STATE];
  if (s.closed) throw new ProcessStateError('process object is closed');
  return s;
}

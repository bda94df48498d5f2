import { getAuthkey } from './wire-core.js';

/** What a process knows about itself (Python's current_process()). */
export interface ProcessInfo {
  readonly name: string;
  readonly pid: number;
  readonly daemon: boolean;
  readonly authkey: Buffer;
  /** Python's _identity: [3] for Process-3, [3, 1] for its first child. */
  readonly identity: readonly number[];
}

export interface ParentInfo {
  readonly name: string;
  readonly pid: number;
  /** Is the parent still running? */
  isAlive(): boolean;
}

let self: { name: string; daemon: boolean; identity: number[] } = {
  name: 'MainProcess',
  daemon: false,
  identity: [],
};
let parent: ParentInfo | null = null;
let counter = 0;

export function currentProcess(): ProcessInfo {
  return {
    name: self.name,
    pid: process.pid,
    daemon: self.daemon,
    authkey: getAuthkey(),
    identity: self.identity,
  };
}

export function parentProcess(): ParentInfo | null {
  return parent;
}

/** @internal Set by the child bootstrap. */
export function setSelf(
  name: string,
  daemon: boolean,
  identity: number[],
  parentName: string,
  parentPid: number,
): void {
  self = { name, daemon, identity };
  parent = {
    name: parentName,
    pid: parentPid,
    isAlive() {
      try {
        process.kill(parentPid, 0);
        return process.ppid === parentPid;
      } catch {
        return false;
      }
    },
  };
}

/** Next identity for a Process object created here (Python counts objects created, not started). */
export function nextIdentity(): number[] {
  return [...self.identity, ++counter];
}

export function currentName(): string {
  return self.name;
}

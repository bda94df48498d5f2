import net from 'node:net';
import type { LoggingConfig } from '@multiproc/logging';
import { encodeValueWithModules } from '@multiproc/wire';
import type { ResolvedTarget } from './target.js';

/** Stands in the encoded args for a socket or server sent beside the payload as an OS handle. */
export const SOCKET_SLOT = '__multiproc_os_handle__';

export interface StartPayload {
  target: ResolvedTarget;
  /** 'call': call the export with args; 'run': rebuild a Process subclass and call run(). */
  mode: 'call' | 'run';
  args: Buffer;
  fields: Buffer | null;
  modules: string[];
  name: string;
  identity: number[];
  daemon: boolean;
  authkey: Buffer;
  parentName: string;
  parentPid: number;
  logging: LoggingConfig;
  handles: number;
}

export type OsHandle = net.Socket | net.Server;

export function isOsHandle(value: unknown): value is OsHandle {
  return value instanceof net.Socket || value instanceof net.Server;
}

/**
 * Encode args for the child. Sockets and servers at the top level of args are
 * taken out and sent through the IPC channel as OS handles (how the echo
 * server hands each connection to a child); anywhere else they are an error.
 */
export function encodeArgs(args: readonly unknown[]): {
  bytes: Buffer;
  modules: Set<string>;
  handles: OsHandle[];
} {
  const handles: OsHandle[] = [];
  const slotted = args.map((a) => {
    if (!isOsHandle(a)) return a;
    handles.push(a);
    return { [SOCKET_SLOT]: handles.length - 1 };
  });
  const { bytes, modules } = encodeValueWithModules(slotted);
  return { bytes, modules: modules ?? new Set(), handles };
}

export function restoreHandles(args: unknown[], handles: OsHandle[]): unknown[] {
  return args.map((a) => {
    if (a && typeof a === 'object' && SOCKET_SLOT in a)
      return handles[(a as Record<string, number>)[SOCKET_SLOT]!];
    return a;
  });
}

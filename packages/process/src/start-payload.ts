import type net from 'node:net';

import type { LoggingConfig } from '@multiproc/logging';
import { isPlainJson } from './plain-args.js';
import type { ResolvedTarget } from './target.js';
import { loadWire } from './wire-core.js';

const { Server, Socket } = process.getBuiltinModule('node:net');

/** Stands in the encoded args for a socket or server sent beside the payload as an OS handle. */
export const SOCKET_SLOT = '__multiproc_os_handle__';

export interface StartPayload {
  target: ResolvedTarget;
  /** 'call': call the export with args; 'run': rebuild a Process subclass and call run(). */
  mode: 'call' | 'run';
  /** The encoded args; null for none or for plain ones: the child then never loads the codec. */
  args: Buffer | null;
  /** Args that JSON carries exactly (isPlainJson), sent as they are; null when encoded. */
  plainArgs: unknown[] | null;
  fields: Buffer | null;
  modules: string[];
  name: string;
  identity: number[];
  daemon: boolean;
  authkey: Buffer;
  parentName: string;
  parentPid: number;
  /** The parent's logging config; null when logging is not loaded there. */
  logging: LoggingConfig | null;
  handles: number;
}

export type OsHandle = net.Socket | net.Server;

export function isOsHandle(value: unknown): value is OsHandle {
  return value instanceof Socket || value instanceof Server;
}

/**
 * Encode args for the child: plain ones (isPlainJson) go as they are unless
 * `allowPlain` is false (a subclass's fields always take the codec). Sockets
 * and servers at the top level of args are taken out and sent through the IPC
 * channel as OS handles (how the echo server hands each connection to a
 * child); anywhere else they are an error.
 */
export async function encodeArgs(
  args: readonly unknown[],
  allowPlain = true,
): Promise<{
  bytes: Buffer | null;
  plain: unknown[] | null;
  modules: Set<string>;
  handles: OsHandle[];
}> {
  if (args.length === 0) return { bytes: null, plain: null, modules: new Set(), handles: [] };
  if (allowPlain && isPlainJson(args))
    return { bytes: null, plain: [...args], modules: new Set(), handles: [] };
  const { encodeValueWithModules } = await loadWire();
  const handles: OsHandle[] = [];
  const slotted = args.map((a) => {
    if (!isOsHandle(a)) return a;
    handles.push(a);
    return { [SOCKET_SLOT]: handles.length - 1 };
  });
  const { bytes, modules } = encodeValueWithModules(slotted);
  return { bytes, plain: null, modules: modules ?? new Set(), handles };
}

export function restoreHandles(args: unknown[], handles: OsHandle[]): unknown[] {
  return args.map((a) => {
    if (a && typeof a === 'object' && SOCKET_SLOT in a)
      return handles[(a as Record<string, number>)[SOCKET_SLOT]!];
    return a;
  });
}

/**
 * Called just before a socket is sent: a net.Server socket starts reading at
 * once (unless created with `pauseOnConnect: true`), so bytes the client sent
 * before the hand-over may already sit in the parent's buffer. Take them, to
 * be unshifted in the child, and stop the handle reading: Node only drops
 * what it reads between the send and the close of the parent's copy.
 */
export function takeUnread(handle: OsHandle): Buffer | undefined {
  if (!(handle instanceof Socket)) return undefined;
  const chunks: Buffer[] = [];
  for (let c = handle.read(); c !== null; c = handle.read()) chunks.push(Buffer.from(c));
  // read() may have restarted reading; stop it in the same tick, before the send.
  (handle as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
  return chunks.length > 0 ? Buffer.concat(chunks) : undefined;
}

/**
 * Once sent, the parent's copy is closed (SPEC). Node already closes a
 * socket's handle after sending it, but keeps a server listening in both
 * processes, where the parent's copy would take some of the connections.
 */
export function closeParentCopy(handle: OsHandle): void {
  if (handle instanceof Server) handle.close();
}

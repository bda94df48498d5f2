import type { RevivalError } from './codec.js';
import type { Connection } from './connection.js';
import { errorToInfo } from './error-codec.js';
import { MultiprocError, ProtocolError } from './errors.js';
import { CANCEL, CAST, CASTS, CASTS1, ERR, REQ, RES } from './messages.js';
import type { HostedObject, Peer, RequestContext } from './peer.js';
import { PendingRequest } from './pending-request.js';
import { holdsSpilled, materialize } from './spilled-values.js';

/** The host's objects by id. */
type Objects = ReadonlyMap<number, HostedObject>;

/**
 * One message from a linked peer, served: a request gets exactly one reply
 * (RES or ERR), a cast's failure becomes an `error` push, and anything that
 * breaks the protocol drops that peer's link only.
 */
export function dispatch(objects: Objects, peer: Peer, conn: Connection, m: unknown): void {
  if (m instanceof Error && Array.isArray((m as RevivalError).partial)) {
    // Arguments holding a handle this process cannot revive: that request fails, the link stays.
    const [type, reqId, objectId] = (m as RevivalError).partial as unknown[];
    if (type === REQ && typeof reqId === 'number') peer.send([ERR, reqId, errorToInfo(m)]);
    else if (type === CAST || type === CASTS || type === CASTS1)
      peer.push(typeof objectId === 'number' ? objectId : 0, 'error', errorToInfo(m));
    return;
  }
  if (!Array.isArray(m)) {
    conn.destroy(new ProtocolError('host message must be an array'));
    return;
  }
  const type = m[0];
  if (holdsSpilled(m) && !settleSpilled(objects, peer, m)) return;
  if (type === REQ) onRequest(objects, peer, m);
  else if (type === CAST) onCast(objects, peer, m);
  else if (type === CASTS) onCasts(objects, peer, m);
  else if (type === CASTS1) onCasts1(objects, peer, m);
  else if (type === CANCEL) peer.pending.get(m[1] as number)?.abort();
  else conn.destroy(new ProtocolError(`unknown host message type ${String(type)}`));
}

/**
 * A message holding payload files: they stay files for an operation that keeps them, and are
 * read into Buffers for any other. False (after answering) if a file could not be read.
 */
function settleSpilled(objects: Objects, peer: Peer, m: unknown[]): boolean {
  const request = m[0] === REQ;
  const objectId = m[request ? 2 : 1];
  const op = m[request ? 3 : 2];
  const object = typeof objectId === 'number' ? objects.get(objectId) : undefined;
  if (typeof op === 'string' && object?.keepsSpilled?.(op) === true) return true;
  try {
    materialize(m);
    return true;
  } catch (error) {
    if (request && typeof m[1] === 'number') peer.send([ERR, m[1], errorToInfo(error)]);
    else peer.push(typeof objectId === 'number' ? objectId : 0, 'error', errorToInfo(error));
    return false;
  }
}

function onRequest(objects: Objects, peer: Peer, m: unknown[]): void {
  const [, reqId, objectId, op, args] = m;
  if (typeof reqId !== 'number') {
    peer.push(0, 'error', errorToInfo(new ProtocolError('request without an id')));
    return;
  }
  const reply = (ok: boolean, value: unknown) => {
    peer.pending.delete(reqId);
    try {
      peer.send(ok ? [RES, reqId, value] : [ERR, reqId, errorToInfo(value)]);
    } catch (error) {
      // The reply itself could not be encoded: tell the requester why.
      if (!ok) return;
      try {
        peer.send([ERR, reqId, errorToInfo(error)]);
      } catch {
        // The requester went away meanwhile.
      }
    }
  };
  const object = resolve(objects, objectId, op, args);
  if (object instanceof Error) {
    reply(false, object);
    return;
  }
  const request = new PendingRequest(peer);
  peer.pending.set(reqId, request);
  let result: unknown;
  try {
    result = object.handle(op as string, args as unknown[], request);
  } catch (error) {
    reply(false, error);
    return;
  }
  if (result instanceof Promise)
    result.then(
      (v) => reply(true, v),
      (e) => reply(false, e),
    );
  else reply(true, result);
}

function onCast(objects: Objects, peer: Peer, m: unknown[]): void {
  const [, objectId, op, args] = m;
  const object = resolve(objects, objectId, op, args);
  if (object instanceof Error) castFailed(peer, objectId, object);
  else castTo(object, peer, objectId, op as string, args as unknown[], { peer });
}

/** `[CASTS1, objectId, op, [arg, ...]]`: the same as one CAST of `[arg]` per arg, in order. */
function onCasts1(objects: Objects, peer: Peer, m: unknown[]): void {
  const [, objectId, op, list] = m;
  const object = resolve(objects, objectId, op, list);
  if (object instanceof Error) {
    castFailed(peer, objectId, object);
    return;
  }
  const values = list as unknown[];
  const ctx = { peer };
  const batch = object.castsHandler?.(op as string);
  if (batch !== undefined) {
    // The whole batch in one call (a queue's puts): no array, call and check per value.
    try {
      const result = batch(values, ctx);
      if (result instanceof Promise) result.catch((error) => castFailed(peer, objectId, error));
    } catch (error) {
      castFailed(peer, objectId, error);
    }
    return;
  }
  for (let i = 0; i < values.length; i++) castTo(object, peer, objectId, op as string, [values[i]], ctx);
}

/** `[CASTS, objectId, op, [args, ...]]`: the same as one CAST per args, in order. */
function onCasts(objects: Objects, peer: Peer, m: unknown[]): void {
  const [, objectId, op, list] = m;
  if (!Array.isArray(list)) {
    castFailed(peer, objectId, new ProtocolError('malformed request'));
    return;
  }
  for (let i = 0; i < list.length; i++) onCast(objects, peer, [CAST, objectId, op, list[i]]);
}

function resolve(objects: Objects, objectId: unknown, op: unknown, args: unknown): HostedObject | Error {
  if (typeof op !== 'string' || !Array.isArray(args)) return new ProtocolError('malformed request');
  const object = typeof objectId === 'number' ? objects.get(objectId) : undefined;
  if (object === undefined) {
    return new MultiprocError(
      `no object ${String(objectId)} at this host: it was closed, or never existed`,
      'ERR_NO_SUCH_OBJECT',
    );
  }
  return object;
}

/** Runs one cast; a failure is pushed to the caster as an `error` event. */
function castTo(
  object: HostedObject,
  peer: Peer,
  objectId: unknown,
  op: string,
  args: unknown[],
  ctx: RequestContext,
): void {
  try {
    const result = object.handle(op, args, ctx);
    if (result instanceof Promise) result.catch((error) => castFailed(peer, objectId, error));
  } catch (error) {
    castFailed(peer, objectId, error);
  }
}

function castFailed(peer: Peer, objectId: unknown, error: unknown): void {
  peer.push(typeof objectId === 'number' ? objectId : 0, 'error', errorToInfo(error));
}

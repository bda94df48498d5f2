import { MultiprocError, QueueClosedError, QueueEmptyError, type RequestContext } from '@multiproc/wire';
import { clampCredit } from './batch-size.js';
import { SYNCED_OP } from './producer-sync.js';
import type { QueueState } from './queue-state.js';

/** The operations a queue's host serves to proxies (QueueProxy sends them). */
export function serve<T>(state: QueueState<T>, op: string, args: unknown[], ctx: RequestContext): unknown {
  switch (op) {
    case 'put':
      state.producers.add(ctx.peer);
      return remotePut(state, args[0] as T, ctx);
    case 'putNowait':
      state.producers.add(ctx.peer);
      state.putNowait(args[0] as T);
      return true;
    case 'get':
      return remoteGet(state, clampCredit(args[0]), ctx);
    case 'take': {
      // args[1]: a prefetch, which takes "nothing" for an answer.
      const items = state.take(clampCredit(args[0]));
      if (items.length > 0 || args[1] === true) return items;
      throw state.closed ? new QueueClosedError() : new QueueEmptyError();
    }
    case 'unget':
      if (Array.isArray(args[0])) state.giveBack(args[0] as T[]);
      return;
    case 'size':
      return state.qsize();
    case SYNCED_OP:
      state.producers.synced(ctx.peer, args[0]);
      return;
    default:
      throw new MultiprocError(`a queue has no operation '${op}'`, 'ERR_UNKNOWN_OPERATION');
  }
}

/**
 * A proxy's `get`: up to `credit` items now, else the first to arrive (topped
 * up with whatever else arrives in the same tick). Cancelled while waiting,
 * it answers `[]`, so the reply always comes back; cancelled after an item
 * was handed over, the reply carries it and the proxy keeps it.
 */
export function remoteGet<T>(state: QueueState<T>, credit: number, ctx: RequestContext): T[] | Promise<T[]> {
  const items = state.take(credit);
  if (items.length > 0) return items;
  if (state.closed) throw new QueueClosedError();
  return new Promise((resolve, reject) => {
    const w = state.waitForItems(credit, ctx.peer, resolve, reject);
    ctx.signal?.addEventListener('abort', () => {
      if (state.cancelGet(w)) resolve([]);
    });
  });
}

/**
 * A proxy's `put`. A request may wait while the queue is full and answers
 * whether the item went in (`false` once cancelled first). A cast never
 * waits: proxies only cast to unbounded queues.
 */
export function remotePut<T>(state: QueueState<T>, item: T, ctx: RequestContext): boolean | Promise<boolean> {
  if (state.closed) throw new QueueClosedError();
  if (!state.full() || ctx.signal === undefined) {
    state.accept(item);
    return true;
  }
  return new Promise((resolve, reject) => {
    const w = state.waitForRoom(item, () => resolve(true), reject);
    ctx.signal!.addEventListener('abort', () => {
      if (state.cancelPut(w)) resolve(false);
    });
  });
}

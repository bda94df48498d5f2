import { getLogger } from '@multiproc/logging';
import { type HandleRef, Host, ProtocolError } from '@multiproc/wire';
import type { EndInit } from './pipe-connection.js';
import { Rendezvous } from './rendezvous.js';

/** The handle kind a pipe end travels as. */
export const PIPE_END_KIND = 'multiproc.pipe-end';

/** The handle an unused end travels as; `moduleUrl` is the module that registers the kind. */
export function endHandle(end: EndInit, moduleUrl: string): HandleRef {
  const where = end.local !== null ? end.local.locate() : end.remote!;
  const handle: HandleRef = {
    kind: PIPE_END_KIND,
    address: where.address,
    id: where.id,
    data: [end.side, end.readable, end.writable, end.maxFrameSize],
    module: moduleUrl,
  };
  getLogger().subdebug('pipe end %d passed on (pipe %s#%d)', end.side, where.address, where.id);
  return handle;
}

/** How to build the end a handle stands for: the rendezvous is local when it lives in this process. */
export function endFromHandle(ref: HandleRef): EndInit {
  const data = ref.data;
  if (
    !Array.isArray(data) ||
    (data[0] !== 0 && data[0] !== 1) ||
    typeof data[1] !== 'boolean' ||
    typeof data[2] !== 'boolean' ||
    typeof data[3] !== 'number' ||
    typeof ref.address !== 'string' ||
    typeof ref.id !== 'number'
  ) {
    throw new ProtocolError('malformed pipe end handle');
  }
  const host = Host.existing();
  const here = host !== null && host.address === ref.address ? host.lookup(ref.id) : undefined;
  const local = here instanceof Rendezvous ? here : null;
  return {
    side: data[0],
    readable: data[1],
    writable: data[2],
    maxFrameSize: data[3],
    local,
    remote: local === null ? { address: ref.address, id: ref.id } : null,
  };
}

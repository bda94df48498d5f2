/**
 * Host protocol messages, each one msgpackr array on a Connection
 * (PROTOCOL.md has the table).
 */
export const REQ = 0; // [REQ, reqId, objectId, op, args]      client -> host
export const RES = 1; // [RES, reqId, value]                   host -> client
export const ERR = 2; // [ERR, reqId, errorInfo]               host -> client
export const CAST = 3; // [CAST, objectId, op, args]           client -> host, no reply
export const PUSH = 4; // [PUSH, objectId, event, value]        host -> client
export const CANCEL = 5; // [CANCEL, reqId]                    client -> host
export const ATTACH = 6; // [ATTACH, token]  first message: hand this socket to a waiting owner (Pipe)
export const LINK = 7; // [LINK, pid]        first message: a multiplexed link from process pid follows
export const CASTS = 8; // [CASTS, objectId, op, [args, ...]]  client -> host: consecutive casts of one tick, in order
export const CASTS1 = 9; // [CASTS1, objectId, op, [arg, ...]]  client -> host: as CASTS, each cast with one argument

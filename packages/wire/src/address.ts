import type { ListenOptions, NetConnectOpts } from 'node:net';
import { InvalidArgumentError } from './errors.js';

/** A Unix socket path, or a TCP host and port. */
export type Address = string | { host: string; port: number };

/** Handles carry addresses as strings: a socket path, or `tcp://host:port`. */
export function addressToString(address: Address): string {
  if (typeof address === 'string') return address;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `tcp://${host}:${address.port}`;
}

export function parseAddress(address: Address | string): Address {
  if (typeof address === 'object' && address !== null) {
    if (
      typeof address.host !== 'string' ||
      !Number.isInteger(address.port) ||
      address.port < 0 ||
      address.port > 65535
    ) {
      throw new InvalidArgumentError('a TCP address needs { host: string, port: 0..65535 }');
    }
    return address;
  }
  if (typeof address !== 'string' || address.length === 0) {
    throw new InvalidArgumentError('address must be a socket path or { host, port }');
  }
  const m = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return address;
}

export function isTcp(address: Address): address is { host: string; port: number } {
  return typeof address === 'object';
}

export function connectOptions(address: Address): NetConnectOpts {
  return isTcp(address) ? { host: address.host, port: address.port } : { path: address };
}

export function listenOptions(address: Address, backlog: number): ListenOptions {
  return isTcp(address) ? { host: address.host, port: address.port, backlog } : { path: address, backlog };
}

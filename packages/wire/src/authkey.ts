import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

let current: Buffer | null = null;

/** This process's authkey: 32 random bytes in the main process, inherited by children. */
export function getAuthkey(): Buffer {
  current ??= randomBytes(32);
  return current;
}

export function setAuthkey(key: Uint8Array): void {
  current = toAuthkey(key);
}

export function toAuthkey(key: unknown): Buffer {
  if (typeof key === 'string') return Buffer.from(key, 'utf8');
  if (key instanceof Uint8Array) return Buffer.from(key);
  throw new InvalidArgumentError('authkey should be a Buffer, Uint8Array or string');
}

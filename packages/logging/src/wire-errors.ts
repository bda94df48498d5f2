/**
 * The only names logging takes from @multiproc/wire. Kept in one place so
 * that they come from wire's light entry point (errors only, no codec or
 * sockets): every child process imports logging before its task.
 */
export { InvalidArgumentError, MultiprocError } from '@multiproc/wire/core';

/**
 * The only names logging takes from @multiproc/wire. Kept in one place so
 * that they can come from a light entry point of wire (errors only, no codec
 * or sockets): every child process imports logging before its task.
 */
export { InvalidArgumentError, MultiprocError } from '@multiproc/wire';

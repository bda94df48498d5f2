#!/usr/bin/env node
// Placeholder until the demo issue lands: the subcommands need process, queue, pipe, event and pool.
console.log('multiproc demo: the seed examples arrive with the demo issue (#9).');

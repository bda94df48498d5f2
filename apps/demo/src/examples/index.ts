import { echoClient } from '../echo-client.js';
import { echoServer } from '../echo-server.js';
import type { Example } from '../example.js';
import { baozi } from './baozi.js';
import { daemon } from './daemon.js';
import { echo } from './echo.js';
import { event } from './event.js';
import { eventPool } from './event-pool.js';
import { join } from './join.js';
import { logging } from './logging.js';
import { memory } from './memory.js';
import { pipe } from './pipe.js';
import { pool } from './pool.js';
import { poolWaves } from './pool-waves.js';
import { queue } from './queue.js';
import { subclass } from './subclass.js';
import { terminate } from './terminate.js';

/** Every example the tour runs, in order. */
export const tourExamples: Example[] = [
  join,
  daemon,
  terminate,
  logging,
  subclass,
  memory,
  event,
  eventPool,
  queue,
  pipe,
  pool,
  poolWaves,
  baozi,
  echo,
];

/** Every subcommand (besides tour). */
export const examples: Example[] = [...tourExamples, echoServer, echoClient];

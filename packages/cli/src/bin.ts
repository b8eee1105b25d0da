#!/usr/bin/env node
import { endQuietlyOnBrokenPipe } from './broken-pipe.js';
import { buildProgram } from './program.js';

endQuietlyOnBrokenPipe(process.stdout);
endQuietlyOnBrokenPipe(process.stderr);
await buildProgram().parseAsync(process.argv);

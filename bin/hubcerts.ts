#!/usr/bin/env node
/** The `hubcerts` executable: the process's streams and arguments handed to `main`. */
import type { Io } from './context.js';
import { main } from './main.js';

const io: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => new Date(),
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`hubcerts: unexpected failure: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 2;
  },
);

#!/usr/bin/env node
/**
 * The `hubcerts` executable. It starts the one slow thing a reissue needs, a new key, before
 * it loads the rest of the CLI, so the two overlap; then hands the process's streams and
 * arguments to `main`.
 */
import { KEY_SPECS, type KeySpec, startEarlyKey } from '../lib/pki/keys.js';
import type { Io } from './context.js';

const argv = process.argv.slice(2);
const early = earlyKeySpec(argv, process.env);
if (early) startEarlyKey(early);

const { main } = await import('./main.js');
const io: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => new Date(),
};

main(argv, io).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`hubcerts: unexpected failure: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 2;
  },
);

/**
 * The key type a `reissue` will most likely need, read the cheap way (the full parse comes
 * later and decides); none for other commands, dry runs and help.
 */
function earlyKeySpec(args: string[], env: NodeJS.ProcessEnv): KeySpec | undefined {
  if (args[0] !== 'reissue' || args.includes('--dry-run') || args.includes('--help'))
    return undefined;
  let value = env.HUBCERTS_KEY_TYPE ?? 'rsa-2048';
  for (const [i, arg] of args.entries()) {
    if (arg.startsWith('--key-type=')) value = arg.slice('--key-type='.length);
    else if (arg === '--key-type' && args[i + 1]) value = args[i + 1]!;
  }
  return KEY_SPECS.find((spec) => spec === value.toLowerCase());
}

/**
 * Real peers (GNU tar, kubectl, openssl, certipy) are required, not optional: a peer test
 * that skips when its peer is missing proves nothing. `requirePeer` finds the command and
 * runs it once, and throws a message naming the missing peer, so the test file fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';

/**
 * Resolves `command` (a name on PATH or a path) and runs it with `versionArgs` (for
 * example `['--version']`, or `['-c', 'import certipy']` for python3). Returns the
 * resolved path; throws when the command is missing or does not succeed.
 */
export function requirePeer(command: string, versionArgs: string[]): string {
  const shown = [command, ...versionArgs].join(' ');
  const path = resolveCommand(command);
  if (path === undefined) {
    const where = command.includes('/') ? 'no executable file there' : 'not found on PATH';
    throw new Error(`Required peer "${command}" is missing: ${where} (${shown})`);
  }
  const run = spawnSync(path, versionArgs, { encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) {
    // The last line of stderr is the one that says why (a Python traceback ends with it).
    const lastLine = run.stderr?.trim().split('\n').pop();
    const why = run.error?.message ?? (lastLine || `exit status ${run.status}`);
    throw new Error(`Required peer "${command}" is not usable: \`${shown}\` failed: ${why}`);
  }
  return path;
}

function resolveCommand(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [resolve(command)]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => resolve(dir || '.', command));
  return candidates.find((candidate) => {
    const stat = existsSync(candidate) ? statSync(candidate) : undefined;
    return stat?.isFile() === true && (stat.mode & 0o111) !== 0;
  });
}

/**
 * Runs the built `hubcerts` executable (dist/hubcerts.mjs, made by `npm run build`, which
 * `npm test` runs first) as a separate process, exactly as an operator would.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'hubcerts.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function hubcerts(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  return run(process.execPath, [CLI, ...args], options);
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

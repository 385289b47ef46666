/**
 * What every function shares: settings read once per cold start (Secrets Manager
 * references resolved and cached), a JSON logger carrying the function name and request
 * id, and the backends opened from the settings. Handlers stay thin: event in, one
 * workflow, result out.
 */
import type { Context } from 'aws-lambda';
import type { BackendOptions } from '../../lib/backends.js';
import { loadSettings, type Settings } from '../../lib/config.js';
import { resolveSecretReference } from '../../lib/credentials/resolve.js';
import { jsonLogger, type Logger } from '../../lib/log.js';

let settings: Promise<Settings> | undefined;

/** Settings of this execution environment; a failed load is retried on the next event. */
export function coldStartSettings(
  env: Record<string, string | undefined> = process.env,
): Promise<Settings> {
  settings ??= loadSettings(env, {}, resolveSecretReference).catch((error) => {
    settings = undefined;
    throw error;
  });
  return settings;
}

/** Forgets the cached settings (tests change the environment between cases). */
export function resetColdStart(): void {
  settings = undefined;
}

/** A JSON logger for one invocation, writing to stdout as Lambda expects. */
export function invocationLogger(
  functionName: string,
  context?: Pick<Context, 'awsRequestId'>,
): Logger {
  return jsonLogger((line) => process.stdout.write(line), {
    service: 'hubcerts',
    function: functionName,
    requestId: context?.awsRequestId,
  });
}

export function backendOptionsFor(current: Settings, log: Logger): BackendOptions {
  return { env: process.env, kubeconfig: current.kubeconfig, log };
}

/**
 * Command-line parsing: the settings table of lib/config.ts gives every command the same
 * `--<setting>` flags; each command adds its own. Help text is generated from the same
 * tables, so `--help` always tells what the parser accepts.
 */
import { parseArgs } from 'node:util';
import { envName, SETTINGS, type SettingName } from '../lib/config.js';
import { UsageError } from '../lib/errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  help: string;
}

export interface CommandSpec {
  usage: string;
  summary: string;
  /** Settings this command reads, shown first in its help. */
  settings: SettingName[];
  flags: Record<string, FlagSpec>;
}

export interface Parsed {
  positionals: string[];
  settingFlags: Partial<Record<SettingName, string | string[]>>;
  flags: Record<string, string | boolean | string[] | undefined>;
}

const COMMON: Record<string, FlagSpec> = {
  json: { type: 'boolean', help: 'print the result (or the error) as JSON on stdout' },
  help: { type: 'boolean', help: 'show this help' },
};

/** Parses `argv` for `spec`; unknown flags and missing values are usage errors. */
export function parseCommand(command: string, spec: CommandSpec, argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    options[name] =
      SETTINGS[name].kind === 'list' ? { type: 'string', multiple: true } : { type: 'string' };
  }
  for (const [name, flag] of Object.entries({ ...COMMON, ...spec.flags })) {
    options[name] = flag.multiple ? { type: flag.type, multiple: true } : { type: flag.type };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    const detail = (error as Error).message
      .replace(/\. To specify.*$/s, '')
      .replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`${detail}; see hubcerts ${command} --help`);
  }
  const settingFlags: Parsed['settingFlags'] = {};
  const flags: Parsed['flags'] = {};
  for (const [name, value] of Object.entries(values)) {
    if (name in SETTINGS) settingFlags[name as SettingName] = value as string | string[];
    else flags[name] = value as string | boolean | string[];
  }
  return { positionals, settingFlags, flags };
}

/** The help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary, '', 'options:'];
  const own = { ...spec.flags, ...COMMON };
  for (const [name, flag] of Object.entries(own)) {
    const value = flag.type === 'string' ? ` ${name.toUpperCase().replace(/-/g, '_')}` : '';
    lines.push(
      `  --${name}${value}`.padEnd(34) + flag.help + (flag.multiple ? ' (repeatable)' : ''),
    );
  }
  lines.push('', 'settings (flag, or the environment variable shown):');
  for (const name of spec.settings) {
    const setting = SETTINGS[name];
    const fallback = 'default' in setting ? ` [default ${setting.default}]` : '';
    lines.push(`${`  --${name} (${envName(name)})`.padEnd(47)} ${setting.help}${fallback}`);
  }
  lines.push('', `Run "hubcerts --help" for the other commands and the exit codes.`);
  return `${lines.join('\n')}\n`;
}

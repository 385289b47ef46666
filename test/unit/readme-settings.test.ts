import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envName, SETTINGS, type SettingName } from '../../lib/config.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const table = README.slice(
  README.indexOf('## Configuration'),
  README.indexOf('### Secrets Manager references'),
);

describe('the README configuration table', () => {
  it.each(Object.keys(SETTINGS) as SettingName[])('documents --%s and its variable', (name) => {
    expect(table).toContain(`\`--${name}\``);
    expect(table).toContain(`\`${envName(name)}\``);
  });

  it.each(
    Object.entries(SETTINGS).filter(([, spec]) => 'default' in spec) as [
      SettingName,
      { default: string },
    ][],
  )('gives the default of --%s as the code has it', (name, spec) => {
    const row = table.split('\n').find((line) => line.includes(`\`--${name}\``))!;
    expect(row).toMatch(new RegExp(`\\|[^|]*\\b${spec.default.replace('.', '\\.')}\\b[^|]*\\|`));
  });
});

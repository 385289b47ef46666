/**
 * The hubcerts command line: argv in, one workflow, text or JSON out, and the exit codes of
 * design section 4.3. Everything that decides lives in lib/; this file only dispatches and
 * turns errors into one sentence and an exit status.
 */
import { type CommandSpec, commandHelp, parseCommand } from './args.js';
import * as exportCommand from './commands/export.js';
import * as init from './commands/init.js';
import * as reissue from './commands/reissue.js';
import * as rotate from './commands/rotate.js';
import * as scan from './commands/scan.js';
import { type CommandContext, type Io, makeContext } from './context.js';
import { exitCodeOf } from './exit.js';

interface Command {
  spec: CommandSpec;
  run(ctx: CommandContext): Promise<number>;
}

const COMMANDS: Record<string, Command> = { init, scan, reissue, rotate, export: exportCommand };

const OVERVIEW = `usage: hubcerts COMMAND [options]

Certificate care for JupyterHub internal_ssl: the CA set in a store (a folder, a tarball or
Vault), the flattened Secret the proxy and hub mount, and the login-node inventory.

commands:
  init      create a new CA set (and a first Secret); never overwrites
  scan      report expiry, SAN drift, broken chains and divergence (exit 0/1/2/3)
  reissue   issue a new proxy-client certificate for the inventory and publish it
  rotate    replace the CA set: plan, apply, status, rollback (guarded, resumable)
  export    print a trust bundle, or the Secret as a kubectl manifest

exit codes (all but scan): 0 done or nothing to do, 1 refused by a guard (nothing
changed), 2 failed, 64 bad usage or invalid input.
scan: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

"hubcerts COMMAND --help" lists each command's options and settings.
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(OVERVIEW);
    return name === undefined ? 64 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`hubcerts: unknown command ${JSON.stringify(name)}; run hubcerts --help\n`);
    return 64;
  }
  const json = rest.includes('--json');
  try {
    const parsed = parseCommand(name, command.spec, rest);
    if (parsed.flags.help) {
      io.stdout(commandHelp(command.spec));
      return 0;
    }
    return await command.run(await makeContext(io, parsed));
  } catch (error) {
    const { code, message, kind } = exitCodeOf(name, error);
    io.stderr(`hubcerts ${name}: ${message}\n`);
    // Stacks are for developers; operators get the sentence above.
    if (io.env.HUBCERTS_DEBUG && error instanceof Error) io.stderr(`${error.stack}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { kind, message } }, null, 2)}\n`);
    return code;
  }
}

// aofctl: the command line of aof-temporal. Parses, dispatches, and turns usage mistakes into one line
// and exit 2; only a real failure (a bug, a crash) prints a stack.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../paths.js';
import { COMMANDS, commandHelp, globalHelp } from './commands.js';
import { isParseArgsError, UsageError } from './usage-error.js';

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(globalHelp());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const named = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(named ? commandHelp(named) : globalHelp());
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`aofctl ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    throw new UsageError(
      first.startsWith('-')
        ? `unknown option "${first}"; run \`aofctl --help\``
        : `unknown command "${first}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (\`aofctl --help\`)`,
    );
  }
  const { values, positionals } = parseOrExplain(command.name, () =>
    parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    }),
  );
  if (values.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  if (positionals.length > (command.positionals ?? 0))
    throw new UsageError(`${command.name}: unexpected argument "${positionals[command.positionals ?? 0]}"`);
  return command.run(values, positionals);
}

/** parseArgs' own messages are long and generic: name the command and where its help is. */
function parseOrExplain<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!isParseArgsError(err)) throw err;
    const unknown = /Unknown option '([^']+)'/.exec(err.message);
    const what = unknown ? `unknown option "${unknown[1]}"` : err.message.split('\n')[0]!.replace(/\.$/, '');
    throw new UsageError(`${command}: ${what}; see \`aofctl ${command} --help\``);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError || isParseArgsError(err)) {
      // parseArgs' messages are a full sentence already; keep only the first line.
      process.stderr.write(`aofctl: ${err.message.split('\n')[0]}\n`);
      process.exit(2);
    }
    process.stderr.write(`aofctl: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

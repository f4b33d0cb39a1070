// codeflare-matrix: plan, provision, install, test and report the CodeFlare support matrix.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { repoRoot } from '../lib/paths.js';
import { printable, UserError } from '../lib/errors.js';
import { planCommand } from './commands/plan.js';
import { catalogCommand } from './commands/catalog.js';
import { doctorCommand } from './commands/doctor.js';
import { toolchainCommand } from './toolchain/cli.js';
import { clusterCommand } from './commands/cluster.js';
import { sourcesCommand } from './commands/sources.js';
import { reportCommand } from './commands/report.js';
import { mergeCommand } from './commands/merge.js';
import { gateCommand } from './commands/gate.js';
import { auditCommand } from './commands/audit.js';
import { auditHistoryCommand } from './commands/audit-history.js';
import { bisectCommand } from './commands/bisect.js';
import { compareCommand } from './commands/compare.js';
import { runCommand } from './commands/run.js';
import { nodeImageCommand } from './commands/node-image.js';
import { completionCommand } from './commands/completion.js';

const program = new Command('codeflare-matrix')
  .description('Verified compatibility matrix for the Project CodeFlare stack')
  .version((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version, '-V, --version')
  .showSuggestionAfterError()
  .addHelpText('after', '\nExit status: 0 done, 1 what the command checks failed (a cell, the gate, an audit finding), 2 bad input: one line saying what, where and how to fix it.\nEach command\'s --help says what its 0 and 1 mean.');

for (const cmd of [planCommand(), catalogCommand(), doctorCommand(), toolchainCommand(), nodeImageCommand(), clusterCommand(), sourcesCommand(), runCommand(), mergeCommand(), reportCommand(), gateCommand(), auditCommand(), auditHistoryCommand(), compareCommand(), bisectCommand(), completionCommand(() => program)]) program.addCommand(cmd);

// Sub-commands added with addCommand do not inherit these settings: every bad argument exits 2 with one line.
const settle = (c: Command): void => {
  // one line: commander's message, with its "(Did you mean …?)" suggestion when it makes one
  c.exitOverride().configureOutput({ outputError: (s, write) => write(printable(s.trimEnd().split('\n').map((l) => l.trim()).filter(Boolean).join(' '), 1000) + '\n') });
  c.commands.forEach(settle);
};
settle(program);

/** `help X` for a command X that does not exist: commander would print the whole help and exit 0. */
function helpFor(args: string[]): void {
  const [first, name] = args;
  if (first !== 'help' || name === undefined || program.commands.some((c) => c.name() === name || c.aliases().includes(name))) return;
  throw new UserError(`no command "${name}"`, 'help', `one of: ${program.commands.map((c) => c.name()).join(', ')}`);
}

try {
  helpFor(process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // commander already printed its one line; help and version are not errors
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof UserError) {
    process.stderr.write(`codeflare-matrix: ${e.line()}\n`);
    process.exitCode = 2;
  } else {
    const err = e as Error;
    process.stderr.write(`codeflare-matrix: ${err.message}\n`);
    if (process.env.CODEFLARE_MATRIX_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}

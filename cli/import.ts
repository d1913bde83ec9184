/** `typezero import muen`: parses the command line and prints; the work is in system/muen/. */
import { renameSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { formatReport, importMuen, MuenError } from '../system/muen/import.js';
import type { Io } from './io.js';
import type { ExitCode } from './main.js';
import { InputError } from './usage.js';

interface ImportOptions {
  hardware: string[];
  platform: string;
  components?: string;
  out?: string;
  name?: string;
  flows?: string;
}

export function registerImport(program: Command, io: Io, exit: ExitCode): void {
  const imports = program
    .command('import')
    .description("write a typezero system file from another tool's configuration");
  imports
    .command('muen')
    .description('import a Muen source system policy (v1.x format); the import report goes to stderr')
    .argument('<policy>', 'the Muen system policy (XML)')
    .requiredOption(
      '--hardware <file>',
      "the Muen hardware file; repeat to merge more (as Muen's build adds common_hardware.xml)",
      (file: string, files: string[] = []) => [...files, file],
    )
    .requiredOption('--platform <file>', 'the Muen platform file')
    .option(
      '--components <dir>',
      'where component specifications are (default: components/ beside the policy)',
    )
    .option('--out <file>', 'write the system file here instead of stdout')
    .option('--name <name>', 'the system name (default: from the policy file name)')
    .option(
      '--flows <file>',
      'the allowed flows (YAML `flows:` list), instead of the channels and events the policy declares',
    )
    .action((policy: string, options: ImportOptions) => {
      let result: ReturnType<typeof importMuen>;
      try {
        result = importMuen(
          {
            policy,
            hardware: options.hardware,
            platform: options.platform,
            ...(options.components === undefined ? {} : { components: options.components }),
          },
          options.name,
          options.flows,
        );
      } catch (e) {
        if (e instanceof MuenError)
          throw new InputError(`${e.line === undefined ? e.file : `${e.file}:${e.line}`}: ${e.message}`);
        throw e;
      }
      if (options.out === undefined) io.out(result.yaml);
      else {
        const temporary = `${options.out}.${process.pid}.tmp`;
        try {
          writeFileSync(temporary, result.yaml);
          renameSync(temporary, options.out);
        } catch (e) {
          throw new InputError(`cannot write ${options.out}: ${(e as Error).message}`);
        }
      }
      const shown = (file: string) => relative(process.cwd(), file) || file;
      io.err(
        `import report: ${result.notes.length} constructs approximated or left out\n${formatReport(result.notes, shown)}\n`,
      );
      exit.code = 0;
    });
}

/**
 * Usage errors: a mistyped command line gets the one line that matters and where to read more
 * (`see typezero check --help`), exit code 2; help and version go to stdout, exit code 0.
 */
import type { Command } from 'commander';
import type { Io } from './io.js';

/** Bad input with a one-line reason (exit 2). */
export class InputError extends Error {}

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Routes every command's output through `io` and gives every usage error one line and a hint. */
export function configureUsage(program: Command, io: Io): void {
  const visit = (cmd: Command): void => {
    cmd
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.out(text),
        writeErr: (text) => io.err(text),
        // commander puts "(Did you mean ...?)" on a line of its own; keep the error to one line.
        outputError: (text, write) => write(`${text.trimEnd().split('\n').join(' ')}\n`),
      })
      .showHelpAfterError(`see ${fullName(cmd)} --help`);
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
}

/**
 * A command line that names a command with subcommands (or none at all) but no subcommand: the
 * one-line reason, or null. commander would print the whole help text as the error.
 */
export function missingSubcommand(program: Command, argv: readonly string[]): string | null {
  let cmd = program;
  for (const arg of argv) {
    if (arg.startsWith('-')) return null;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) return null;
    cmd = sub;
  }
  // A command that takes operands of its own (`evidence SYSTEM`) runs without a subcommand.
  if (cmd.commands.length === 0 || cmd.registeredArguments.length > 0) return null;
  const names = cmd.commands.map((c) => c.name()).join(', ');
  return `error: ${fullName(cmd)} needs a command: one of ${names}\nsee ${fullName(cmd)} --help\n`;
}

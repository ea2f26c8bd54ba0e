// The shape of a command's options and arguments: one table entry per command (src/cli/commands.ts)
// gives its parser (src/cli/args.ts), its `--help`, and its shell completion (src/cli/completion.ts).
// A leaf module: it imports nothing, so the sandbox's and the gateway's own option tables can use it.

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One letter: `-f` for `--follow`. */
  short?: string;
  /** May be given more than once (each value kept, in order). */
  multiple?: boolean;
  /** The value's name in the help (`--since DURATION`). */
  value?: string;
  /** The value must be a number (the parser says so when it is not). */
  number?: boolean;
  help: string;
  /** The only values accepted (the parser refuses others; completion offers them). */
  choices?: readonly string[];
  /** What shell completion offers for the value. */
  complete?: 'app' | 'env' | 'file' | 'confirm' | 'command';
  /** Accepted but not listed in the help or completion. */
  hidden?: boolean;
}

export type Options = Record<string, OptionSpec>;

export interface CliArgs {
  /** --name value, --name=value, and bare --flag (true). */
  flags: Record<string, string | boolean>;
  positional: string[];
}

export interface CliCommand {
  /** Text printed for `xietong <command> --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: CliArgs): Promise<number>;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const flags: CliArgs['flags'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') flags.help = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[arg.slice(2)] = argv[++i];
      else flags[arg.slice(2)] = true;
    } else positional.push(arg);
  }
  return { flags, positional };
}

export function flagString(args: CliArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function flagInt(args: CliArgs, name: string, fallback: number): number {
  const raw = flagString(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

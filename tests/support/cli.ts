import { executeCli } from '../../bot/cli';
import { parseConfig } from '../../bot/config';

export interface CliRun {
  code: number;
  stdout: string;
  /** Lines written to stderr. */
  stderr: string[];
}

/**
 * Runs one `engagement` subcommand in this process, with exactly the environment given (nothing from
 * the developer's shell), and returns what it printed and its exit code. For tests whose point is the
 * command, not the process; exit on signals, the bin script and the entry point keep a real process.
 */
export async function runCliInProcess(args: string[], env: Record<string, string>): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await executeCli(['node', 'engagement', ...args], {
    config: () => parseConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'false', ...env }),
    out: (text) => stdout.push(`${text}\n`),
    err: (text) => stderr.push(...text.split('\n').filter(Boolean)),
    fail: () => undefined,
  });
  return { code, stdout: stdout.join(''), stderr };
}

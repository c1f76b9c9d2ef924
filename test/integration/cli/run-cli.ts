// Runs the compiled command line (.build/src/cli/main.js, next to this compiled file's tree) as a
// child process, with optional stdin, and collects its exit code and output. Every run is bounded:
// the child is killed after `timeoutMs` and the run then fails.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point of the test build. */
export const cliPath = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { input?: string; timeoutMs?: number; entry?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.entry ?? cliPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? withoutSaslPassword(process.env),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kafka-producer ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A child that exits before reading its input closes the pipe: that is not the test's failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

// The tests pass passwords on the command line; one in the environment would change what they test.
function withoutSaslPassword(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...environment };
  delete copy['KAFKA_SASL_PASSWORD'];
  return copy;
}

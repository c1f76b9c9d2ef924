// Runs kcat (librdkafka's command-line client) as a child process and collects its output.
import { spawn } from 'node:child_process';

export interface KcatRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs `kcat args`, writing `input` to its stdin when given, and killing it after `timeoutMs`.
 * Asynchronous on purpose: a FakeCluster in the test's own process must keep serving meanwhile.
 */
export function kcat(args: readonly string[], input?: string, timeoutMs = 20_000): Promise<KcatRun> {
  return new Promise((resolve) => {
    const child = spawn('kcat', args);
    let out = '';
    let err = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.stderr.on('data', (data: Buffer) => (err += data.toString()));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

// Reads a child process's stdout as lines (each chunk's complete lines at once), keeps its stderr
// for error messages, and bounds its run: past `timeoutMs` the child is killed and the promise
// rejects with the error `onTimeout` makes. Resolves with how the child exited.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What the child wrote to stderr. */
  readonly stderr: string;
}

export function readChildLines(
  child: ChildProcessByStdio<null, Readable, Readable>,
  onLines: (lines: readonly string[]) => void,
  timeoutMs: number,
  onTimeout: (stderr: string) => Error,
): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(onTimeout(stderr));
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      onLines(lines);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

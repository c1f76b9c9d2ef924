// Ctrl-C during a long command: the first SIGINT asks the command to stop reading or sending and
// finish (flush, report); a second one exits at once, as the user then expects.

export const INTERRUPTED_EXIT_CODE = 130;

/** Calls `onInterrupt` on the first SIGINT until the returned function is called. */
export function onFirstInterrupt(onInterrupt: () => void): () => void {
  let interrupted = false;
  const listener = () => {
    if (interrupted) process.exit(INTERRUPTED_EXIT_CODE);
    interrupted = true;
    process.stderr.write('\nInterrupted: finishing what was sent (Ctrl-C again to quit at once).\n');
    onInterrupt();
  };
  process.on('SIGINT', listener);
  return () => process.off('SIGINT', listener);
}

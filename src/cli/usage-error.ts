// A command line that cannot be run as given: the message says what is wrong, and the command's
// usage is printed after it. The process exits with code 2, as for a command line error elsewhere.

export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage text of the command at fault, printed after the message. */
    readonly usage: string,
  ) {
    super(message);
  }
}

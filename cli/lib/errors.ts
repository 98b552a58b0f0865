/** The CLI's failures and their exit codes: 1 when the API (or the network) failed, 2 for a usage error. */

/** Exit code for success. */
export const EXIT_OK = 0;
/** Exit code when the API answered an error, the gateway could not be reached, or a check failed. */
export const EXIT_FAILURE = 1;
/** Exit code for a usage error: unknown command or flag, a missing or malformed value. */
export const EXIT_USAGE = 2;

/** A mistake in how the CLI was called; exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The API answered an error envelope; exits 1 with its message and code on stderr. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** Anything else that makes the command fail (unreachable gateway, invalid signature); exits 1. */
export class CommandFailure extends Error {
  override name = "CommandFailure";
}

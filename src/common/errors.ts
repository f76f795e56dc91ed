/**
 * Errors that carry the CLI exit code they should end in. Every module throws these for
 * conditions a user can act on; the CLI prints `message` as one line, never a stack.
 *   2 — bad usage or input (a flag, a file, a config, a missing key)
 *   3 — infrastructure (Docker, network, model API after retries)
 */
export class FixpointError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or input: exit 2. */
export class UsageError extends FixpointError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 2, options);
  }
}

/** Infrastructure failure (Docker, network, model API): exit 3. */
export class InfraError extends FixpointError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 3, options);
  }
}

/** Turns a zod error into one line naming the first offending field. */
export function describeZodError(
  what: string,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): string {
  const first = issues[0];
  if (!first) return `${what}: invalid`;
  const field = first.path.length ? first.path.map(String).join(".") : "(root)";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `${what}: ${field}: ${first.message}${more}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

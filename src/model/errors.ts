/**
 * A scripted or replayed model ran out of turns. A plain error (not a `FixpointError`): the loop
 * ends the run with `exit_error`, and the message says how many turns there were.
 */
export class ScriptExhaustedError extends Error {
  constructor(
    readonly turns: number,
    what = "scripted model",
  ) {
    super(`${what} ran out of turns: all ${turns} turn${turns === 1 ? "" : "s"} were used`);
    this.name = "ScriptExhaustedError";
  }
}

/**
 * A command action whose implementation is imported only when the command runs, so that
 * `fixpoint --help` loads commander and the option lists only, and each command the modules it
 * uses: the model SDKs, dockerode, Octokit, zod, SQLite, the graph and the logger stay unloaded
 * for every other command (bench/cli measures the start-up). The implementation returns the exit
 * code.
 */
export function lazyAction<A extends unknown[]>(
  load: () => Promise<(...args: A) => Promise<number>>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    const run = await load();
    process.exitCode = await run(...args);
  };
}

/** `fixpoint suite status --queue URL`: the queue's suites and who runs what. Exit 0, 2 bad flags or a refused certificate or password, 3 Redis unreachable. */
import { UsageError } from "../common/index.js";
import { parseQueueUrl, probeRedis, queueStatus } from "../queue/index.js";

export async function runQueueStatusCommand(flags: { queue?: string; json?: boolean }): Promise<number> {
  if (!flags.queue) throw new UsageError("--queue is required");
  const url = parseQueueUrl(flags.queue);
  // A status is a quick look: an unreachable Redis is an error after 10 s, not a wait.
  await probeRedis(url, "suite status", 10_000);
  const status = await queueStatus(url);
  if (flags.json) {
    console.log(JSON.stringify(status));
    return 0;
  }
  console.log(`workers: ${status.workers.length ? status.workers.join(", ") : "none connected"}`);
  if (!status.suites.length) console.log("no jobs on the queue");
  for (const s of status.suites) {
    console.log(
      `${s.kind} ${s.suite}: ${s.waiting} waiting, ${s.active} running, ${s.done} done, ${s.failed} failed`,
    );
    for (const r of s.running)
      console.log(`  ${r.instance_id} on ${r.worker}${r.since ? ` since ${r.since}` : ""}`);
  }
  return 0;
}

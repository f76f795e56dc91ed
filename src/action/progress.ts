/**
 * The progress comment: one comment on the issue, created when a run starts and edited as it goes
 * on (started, localized, tests, result), with a link to the workflow run.
 */
import { errorMessage } from "../common/index.js";
import { type GitHubClient, PROGRESS_MARKER, type RunOutcome } from "../github/index.js";
import type { Logger } from "../log/index.js";

export type PhaseState = "pending" | "running" | "done" | "failed" | "skipped";
export type PhaseName = "Started" | "Localized" | "Tests" | "Result";

export interface Progress {
  headline: string;
  phases: Array<{ name: PhaseName; state: PhaseState; detail: string }>;
  footer: string[];
}

const ICON: Record<PhaseState, string> = {
  pending: "⬜",
  running: "⏳",
  done: "✅",
  failed: "❌",
  skipped: "➖",
};

/** The comment's body: the marker, the headline, one line per phase, the footer, the run's link. */
export function renderProgress(p: Progress, runUrl: string | undefined): string {
  const lines = [PROGRESS_MARKER, `**fixpoint** · ${p.headline}`, ""];
  for (const ph of p.phases)
    lines.push(`- ${ICON[ph.state]} **${ph.name}**${ph.detail ? `: ${ph.detail}` : ""}`);
  if (p.footer.length) lines.push("", ...p.footer);
  if (runUrl) lines.push("", `[Workflow run](${runUrl})`);
  return lines.join("\n");
}

/** One line about a test report: the command, its exit code and the counts it reported. */
export function testsDetail(t: RunOutcome["testReport"]): string {
  if (!t) return "not run";
  const c = t.counts ?? {};
  const parts = (["passed", "failed", "skipped", "error"] as const)
    .filter((k) => c[k] !== undefined)
    .map((k) => `${c[k]} ${k}`);
  return `\`${t.command}\` exited ${t.exitCode}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

export interface ProgressTarget {
  client: GitHubClient;
  owner: string;
  repo: string;
  issue: number;
  runUrl: string | undefined;
  log: Logger;
}

/** One comment, created once and edited as the run goes on; failures to edit it are logged, never fatal. */
export class ProgressComment {
  private id: number | undefined;
  private last = "";
  private queue: Promise<void> = Promise.resolve();
  readonly state: Progress;

  constructor(
    private readonly target: ProgressTarget,
    actor: string,
  ) {
    this.state = {
      headline: "working on this issue",
      phases: [
        { name: "Started", state: "done", detail: `requested by @${actor}` },
        { name: "Localized", state: "running", detail: "" },
        { name: "Tests", state: "pending", detail: "" },
        { name: "Result", state: "pending", detail: "" },
      ],
      footer: [],
    };
  }

  async create(): Promise<void> {
    const { client, owner, repo, issue, runUrl } = this.target;
    const body = renderProgress(this.state, runUrl);
    const c = await client.createComment(owner, repo, issue, body);
    this.id = c.id;
    this.last = body;
  }

  stateOf(name: PhaseName): PhaseState | undefined {
    return this.state.phases.find((p) => p.name === name)?.state;
  }

  phase(name: PhaseName, state: PhaseState, detail?: string): void {
    const ph = this.state.phases.find((p) => p.name === name);
    if (ph) {
      ph.state = state;
      if (detail !== undefined) ph.detail = detail.replace(/\s+/g, " ").slice(0, 300);
    }
  }

  /** Queues an edit; edits happen in order and identical bodies are not sent again. */
  flush(): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.id === undefined) return;
      const { client, owner, repo, runUrl, log } = this.target;
      const body = renderProgress(this.state, runUrl);
      if (body === this.last) return;
      try {
        await client.updateComment(owner, repo, this.id, body);
        this.last = body;
      } catch (err) {
        log.warn({ err: errorMessage(err) }, "could not update the progress comment");
      }
    });
    return this.queue;
  }
}
